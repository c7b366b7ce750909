"""Which DfE SSDA903 rules are not implemented here, and why (for docs/validation-rules.md).

A DfE rule is implemented when it can change a figure this project publishes. The rest
need inputs the project does not have, check fields no published figure reads, concern
care that every figure leaves out, or are the contract rules under another name.
"""

from __future__ import annotations

NOT_IMPLEMENTED: tuple[tuple[str, str], ...] = (
    (
        "164, 169, 179, 392a, 392c, 392d, 406, 411, 420, 454, 1015, 241, 243",
        "Postcode geography and distance: they need the ONS postcode directory (placement "
        "local authority, in/out of area, distance), which is not an input. No published "
        "figure reads placement location or distance.",
    ),
    (
        "219, 221, 224, 227, 228, 229, 1008; 218, 222, 230, 242",
        "Ofsted unique reference numbers: the first group needs Ofsted's lists of children's "
        "homes and providers, which are not inputs; the second checks URN presence by "
        "placement type. No published figure reads the URN.",
    ),
    (
        "202, 203, 204, 205A-D, 207, 208, 348, 452, 453, 502, 503A-J, 559, 560, 561, 562, "
        "576, 584, 624, 626, 1001, 1002, 1010, NoE, 199, 706",
        "Comparisons with last year's return: they need the previous year's tables passed "
        "beside this year's (the DfE validator's `*_last` tables). Stacked returns are "
        "reconciled when they are ingested instead (the latest return wins).",
    ),
    (
        "365, 366, 367, 382, 384, 426, 214, 398",
        "Short breaks (legal status V3/V4): every published count of children in care, "
        "starts, leavers and reviews leaves short-break care out, so these rules cannot "
        "change a figure. (DfE 399, reviews of short-breaks-only children, is implemented.)",
    ),
    (
        "165, 171, 174, 393, 607, 611, 612, 620, 621, 625, 628",
        "Mothers and their children's dates of birth: no published figure reads MOTHER or MC_DOB.",
    ),
    (
        "168, 209, 210, 442, 444",
        "Unique pupil numbers: no published figure reads the UPN.",
    ),
    (
        "225, 226, 233",
        "Reasons for a placement change: no published figure reads REASON_PLACE_CHANGE.",
    ),
    (
        "511, 514, 517, 518, 519, 520, 524",
        "The number, sex and legal status of adopters: no published figure reads them.",
    ),
    (
        "634, 1014, 232, 347, 231",
        "Previous permanence for a child who did not start in the year, UASC information for "
        "care leavers, sex recorded as unknown, care leavers under 18 in foyers and the age "
        "of UASC: no published figure would change (the previously-in-care, UASC and care "
        "leaver figures are of children in care or of care leavers aged 19-21). 231 and 347 "
        "also never fire in the DfE validator (a missing column, and a code that does not exist).",
    ),
    (
        "555, 556",
        "Freeing orders (D1): the DfE deleted these in 2024-25; a D1 episode starting after "
        "2005 is quarantined by DfE 445.",
    ),
    (
        "101, 102, 103, 105, 112, 113, 114, 115, 116, 120, 131, 132, 133, 141, 143, 144, "
        "145, 146, 147, 149, 166, 167, 175, 176, 177, 180, 181, 196, 563, 1004, 1005, 1006, "
        "564, 565, 566",
        "Valid codes, dates and required fields: the contract rules (`GX-...`, with each "
        "code list by collection year) quarantine the same rows under their own codes.",
    ),
    (
        "INT01-INT09, INT32, EPI",
        "A row of a child not in the header, and a duplicated header row: `XT01-*` and "
        "`GX-HEADER-CHILD-UNIQUE` (stricter: they compare with the header after its own "
        "rules). EPI (a header child with no episode) is a DfE warning no figure depends on.",
    ),
    (
        "SW01-SW17",
        "Social worker episodes (from 2023-24): not a table this project reads.",
    ),
)
