"""The fake tree's lab self-check: counted on the harness line, not in the summary."""


def test_fake_harness_check(lab):
    lab.log("fake harness check")
