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
    pytest.skip("Quarto CLI not installed (export PATH=/opt/quarto/bin:$PATH to run these)")


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


# Parallel runs (`make test`: pytest-xdist, `--dist loadgroup`; docs/testing.md). A session
# fixture is built once per *worker*, and a module fixture once per worker that runs one of
# its module's tests, so tests that share one are put in one xdist group (one worker, in
# collection order):
# - a test using a session build (`sample_build`, `sample_processed`) in that build's group;
# - any other test using a module- or class-scoped fixture in its module's group (so the
#   order-dependent modules, test_atomic and test_incremental, run whole and in order, and
#   a module's shared synth/build is made once).
# Other tests are spread one by one. A test that asks for a session build through
# `request.getfixturevalue` marks itself (`pytest.mark.xdist_group("sample_processed")`).
# Without xdist (`-n0`, or plain `pytest`) the marks are inert.
SESSION_BUILDS = ("sample_build", "sample_processed")


def xdist_group_of(item) -> str | None:
    """The xdist group `item` belongs in (None: it can run on any worker)."""
    for name in SESSION_BUILDS:
        if name in item.fixturenames:
            return name
    # pytest's fixture closure of the item (no public API gives the scopes)
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", None)
    module = item.nodeid.split("::")[0]
    if defs is None:
        return module  # unknown: keep the module together (as --dist loadfile)
    if any(d[-1].scope in ("module", "class", "package") for d in defs.values() if d):
        return module
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None and (group := xdist_group_of(item)):
            item.add_marker(pytest.mark.xdist_group(group))


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
