"""Shared test helpers: running a test under each renderer (Quarto and the pandoc fallback).

Without Quarto on PATH the Quarto cases skip, saying why (pytest -ra prints it); under
CI=true they fail instead, because CI installs Quarto (.ci/run) and must run them.
"""

from __future__ import annotations

import os
import shutil

import pytest

RENDERERS = ("pandoc", "quarto")


def require_quarto() -> None:
    """Skip (fail under CI=true) when the Quarto CLI is not on PATH."""
    if shutil.which("quarto") is not None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Quarto CLI not on PATH under CI=true: .ci/run installs it for these tests")
    pytest.skip(
        "Quarto CLI not on PATH (install it from quarto.org, or ../shared/tools/quarto/"
        "install.sh DIR and put DIR/bin on PATH, to run these)"
    )


def use_renderer(name: str) -> str:
    if name == "quarto":
        require_quarto()
    return name


@pytest.fixture(params=RENDERERS)
def renderer(request) -> str:
    """Each renderer in turn; the Quarto case needs the Quarto CLI."""
    return use_renderer(request.param)


@pytest.fixture(scope="session")
def sample_processed(tmp_path_factory):
    """The fictional sample (`synth` defaults: 450 children, seed 1, with its deliberate
    errors) processed once (no render): its RunParams. Shared by the disclosure audit and
    the sample's plausibility checks."""
    from test_disclosure_runs import make_config

    from pipeline.params import load_params
    from pipeline.run import stages

    params = load_params(make_config(tmp_path_factory.mktemp("sample"), 450, 1))
    stages.process(params, stages.StageTimer(say=lambda _m: None))
    return params


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> dict:
    """The generated sample (160 children) built as a user builds it, with the fallback:
    2022-23 (HTML) and 2023-24 (HTML, DOCX, PDF). Built once for the session and shared
    by every test that only reads a build's files (tests/test_end_to_end.py, the notebooks
    of tests/test_lab.py): such tests must not change them (copy to tmp_path first)."""
    from test_end_to_end import build_sample

    return build_sample(tmp_path_factory.mktemp("e2e"))


# Parallel runs (`make test`: pytest-xdist, `--dist loadfile`; docs/testing.md). A session
# fixture is built once per *worker*, and a module fixture once per worker that runs one of
# its module's tests. So each test module runs whole, in order, on one worker (the
# order-dependent modules, test_atomic and test_incremental, need that; a module's own
# synth/build is made once), and the modules sharing a session build are one unit with it:
# the scheduler below sends them to one worker, which builds it once (tests/test_parallel.py
# checks that every module naming a session build is listed here).
# (Not `--dist loadgroup` with `xdist_group` marks: with pytest 9.2, xdist 3.8's loadgroup
# renames items through `item._nodeid`, which pytest no longer reads, so the marks are
# silently ignored and grouped tests spread over workers as with `--dist load`.)
SESSION_BUILD_MODULES = {
    "tests/test_end_to_end.py": "sample_build",
    "tests/test_lab.py": "sample_build",
    "tests/test_disclosure_build.py": "sample_build",
    "tests/test_disclosure_runs.py": "sample_processed",
    "tests/test_guards.py": "sample_processed",
    "tests/test_pack_publishable.py": "sample_processed",
}


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest without xdist (-p no:xdist) runs too
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the modules of one session build as one unit of work."""
    if config.getoption("dist") != "loadfile":
        return None  # any other --dist: xdist's own scheduler
    from xdist.scheduler import LoadFileScheduling

    class SharedBuildScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return SESSION_BUILD_MODULES.get(module, module)

    return SharedBuildScheduling(config, log)


# `make mutate` sets HYPOTHESIS_PROFILE=mutate: a property that fails there kills the mutant
# at once instead of spending minutes shrinking the example (which mutmut reads as a timeout)
from hypothesis import Phase, settings  # noqa: E402

settings.register_profile("mutate", phases=[Phase.explicit, Phase.reuse, Phase.generate])
# CI (CI=true) draws the same examples on every run, so a red CI is reproducible from its
# log and nothing lands or fails by the luck of the draw; local runs keep exploring at
# random and a failure found there becomes an @example in the test.
settings.register_profile("ci", derandomize=True, database=None)
_default_profile = "ci" if os.environ.get("CI", "").lower() == "true" else "default"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))
