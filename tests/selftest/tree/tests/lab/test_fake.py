"""The fake tree's only vmgate lab test: boots nothing, passes."""


def test_nothing(lab):
    lab.log("fake lab test")
