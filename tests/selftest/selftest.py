#!/usr/bin/env python3
"""Tests of the test machinery itself: tests/run, the Makefile's includes, and the lab's
console check at teardown.  `make selftest [T=part]`; tests/run runs it as the
`selftest` group, a harness self-check.

tests/run is run for real against a fake repository (tests/selftest/tree: a Makefile
whose targets print PASS lines or not as FAKE_* variables say, a ./setup, two lab tests
that boot nothing), copied to a temporary directory and named by VMGATE_TEST_TOP.  The
console checks run tests/lab/lab.py on lab tests written here that feed the scanner a
fake console log.  Nothing boots, nothing needs root; the whole file takes seconds.

Prints `PASS selftest/<name>` or `FAIL selftest/<name>: <first failure>` per test and
exits non-zero if any failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(TOP, "tests", "run")
LAB_PY = os.path.join(TOP, "tests", "lab", "lab.py")
TREE = os.path.join(HERE, "tree")
SUMMARY = re.compile(r"^\d+ passed, \d+ failed$")

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def clean_env(**extra):
    """The environment for a child: no make of ours around it (MAKEFLAGS, MAKELEVEL
    would change make's messages), no fake-tree settings but those given."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VMGATE_TEST_TOP")
           and not k.startswith("FAKE_")}
    env.update(extra)
    return env


class Run:
    """One tests/run over a fresh copy of the fake tree: rc, output lines."""

    def __init__(self, *args, edit=None, **fake):
        self.tmp = tempfile.mkdtemp(prefix="vmgate-selftest-")
        try:
            top = os.path.join(self.tmp, "tree")
            shutil.copytree(TREE, top, symlinks=True)
            if edit:
                edit(top)
            env = clean_env(VMGATE_TEST_TOP=top, VMGATE_SUITE_BUDGET="120",
                            **{f"FAKE_{k.upper()}": v for k, v in fake.items()})
            p = subprocess.run([sys.executable, RUN, "--fuzz-seconds", "1", *args], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=120)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.rc = p.returncode
        self.out = p.stdout
        self.lines = p.stdout.rstrip("\n").split("\n")

    def last(self):
        return self.lines[-1]

    def harness(self):
        """The harness line, which must be the one right above the summary."""
        return self.lines[-2] if len(self.lines) >= 2 else ""

    def has(self, regex):
        return any(re.search(regex, line) for line in self.lines)

    def explain(self):
        return "tests/run printed:\n" + textwrap.indent(self.out, "    | ")


def check(cond, what, run=None):
    if not cond:
        raise AssertionError(what + ("\n" + run.explain() if run else ""))


def check_summary(run, passed, failed, rc):
    check(SUMMARY.match(run.last()), f"last line {run.last()!r} is not `N passed, N failed`", run)
    check(run.last() == f"{passed} passed, {failed} failed",
          f"summary {run.last()!r}, expected '{passed} passed, {failed} failed'", run)
    check(run.rc == rc, f"exit status {run.rc}, expected {rc}", run)
    check(run.harness().startswith("harness: "), "no harness line above the summary", run)


# --- tests/run against the fake tree ---------------------------------------------------------

@test
def run_passes_a_tree_whose_groups_all_pass():
    r = Run()
    # vmgate's: unit/one, unit/two, fuzz/fuzz_fake, lab/test_fake/test_nothing.  The
    # harness's (setup, build, lab-guest, two self-checks) are on their own line.
    check_summary(r, 4, 0, 0)
    check(r.harness() == "harness: setup ok, build ok, lab-guest ok, self-checks 2/2 ok",
          f"harness line {r.harness()!r}", r)
    for name in ("unit/one", "unit/two", "fuzz/fuzz_fake", "lab/test_fake/test_nothing",
                 "selftest/fake_check", "lab/test_harness/test_fake_harness_check"):
        check(r.has(rf"^PASS {re.escape(name)}( |$)"), f"no PASS line for {name}", r)


@test
def run_fails_when_a_groups_make_target_is_missing():
    r = Run(fuzz="missing")
    check_summary(r, 3, 1, 1)
    check(r.has(r"^FAIL fuzz: make has no target 'fuzz'"), "no FAIL line naming fuzz's target", r)


@test
def run_fails_when_a_group_runs_no_test():
    r = Run(unit="empty")
    check_summary(r, 2, 1, 1)
    check(r.has(r"^FAIL unit \([\d.]+s\): make unit ran no test"), "no FAIL line for the empty group", r)


@test
def run_fails_when_a_groups_target_has_nothing_to_do():
    r = Run(unit="norecipe")
    check_summary(r, 2, 1, 1)
    check(r.has(r"^FAIL unit: make unit has nothing to do"), "no FAIL line for the idle target", r)


@test
def run_fails_when_the_unit_target_is_missing():
    r = Run(unit="missing")
    check_summary(r, 2, 1, 1)
    check(r.has(r"^FAIL unit: make has no target 'unit'"), "no FAIL line naming unit's target", r)


@test
def run_fails_when_a_unit_test_fails():
    r = Run(unit="fail")
    check_summary(r, 3, 1, 1)
    check(r.has(r"^FAIL unit/two: fake\.c:1: CHECK\(0\)$"), "no FAIL line for unit/two", r)


@test
def run_fails_when_the_lab_has_no_vmgate_test():
    r = Run(edit=lambda top: os.unlink(os.path.join(top, "tests", "lab", "test_fake.py")))
    check_summary(r, 3, 1, 1)
    check(r.has(r"^FAIL lab: no vmgate lab test"), "no FAIL line for the empty lab", r)


@test
def run_counts_a_failed_setup_as_a_failure_but_not_harness_passes():
    r = Run(setup="fail")
    check_summary(r, 4, 1, 1)
    check(r.harness().startswith("harness: setup FAILED, build ok, lab-guest ok, self-checks 2/2 ok"),
          f"harness line {r.harness()!r}", r)
    check("1 harness failure" in r.harness(), "the harness line does not count its failure", r)


@test
def run_counts_a_failed_self_check_as_a_failure():
    r = Run(selftest="fail")
    check_summary(r, 4, 1, 1)
    check("self-checks 1/2 ok, 1 FAILED" in r.harness(), f"harness line {r.harness()!r}", r)


@test
def run_fails_on_a_filter_that_selects_nothing():
    r = Run("--no-setup", "--no-build", "unit/nonexistent")
    check_summary(r, 0, 1, 1)
    check(r.has(r"^FAIL tests/run: no test matches the filter 'unit/nonexistent'$"),
          "no FAIL line for the filter", r)
    check(r.harness().startswith("harness: setup skipped, build skipped, lab-guest not run, "
                                 "self-checks not run"), f"harness line {r.harness()!r}", r)


@test
def run_with_a_filter_runs_what_it_selects():
    r = Run("--no-setup", "--no-build", "unit/one")
    check_summary(r, 1, 0, 0)
    check(not r.has(r"^PASS unit/two"), "unit/two was reported though not selected", r)


@test
def run_treats_lab_harness_tests_as_self_checks():
    r = Run("--no-setup", "--no-build", "lab/test_harness")
    check_summary(r, 0, 0, 0)
    check(r.harness() == "harness: setup skipped, build skipped, lab-guest ok, self-checks 1/1 ok",
          f"harness line {r.harness()!r}", r)


# --- the Makefile ------------------------------------------------------------------------------

def makefile_includes():
    with open(os.path.join(TOP, "Makefile")) as f:
        return re.findall(r"^include\s+(\S+)\s*$", f.read(), re.M)


@test
def makefile_includes_only_dependency_files_optionally():
    """Every sub-makefile is `include`d; `-include` is for the generated .d files."""
    for mk in ["Makefile"] + makefile_includes():
        with open(os.path.join(TOP, mk)) as f:
            for n, line in enumerate(f, 1):
                if re.match(r"\s*-include\b", line):
                    check(".d)" in line or line.rstrip().endswith(".d"),
                          f"{mk}:{n}: optional include of something other than .d files: {line.strip()}")
    included = makefile_includes()
    for mk in ("tests/unit/unit.mk", "tests/fuzz/fuzz.mk", "tests/lab/lab.mk", "tests/bench/bench.mk",
               "tests/selftest/selftest.mk", "boot/efi/efi.mk", "images/images.mk", "tools/tools.mk"):
        check(mk in included, f"the Makefile does not include {mk}")


@test
def makefile_fails_when_a_sub_makefile_is_missing():
    """A copy of the Makefile and its sub-makefiles parses; without any one of them,
    make stops and names it."""
    included = makefile_includes()
    check(len(included) >= 7, f"only {included} included")
    tmp = tempfile.mkdtemp(prefix="vmgate-selftest-mk-")
    try:
        for missing in [None] + included:
            shutil.rmtree(tmp)
            os.makedirs(tmp)
            for mk in ["Makefile"] + [m for m in included if m != missing]:
                os.makedirs(os.path.join(tmp, os.path.dirname(mk)), exist_ok=True)
                shutil.copy(os.path.join(TOP, mk), os.path.join(tmp, mk))
            p = subprocess.run(["make", "-n", "-C", tmp, "setup-check"], env=clean_env(),
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
            if missing is None:
                check(p.returncode == 0, f"make -n setup-check fails with every file there:\n{p.stderr}")
            else:
                check(p.returncode != 0 and missing in p.stderr,
                      f"make -n with {missing} missing: exit {p.returncode}, stderr:\n{p.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the lab's console check at teardown --------------------------------------------------------

# Console bytes as vmgate writes them (\r\n, a terminal escape), what kernel/console.c's
# panic() prints for an lwIP assertion (lwip-port/sys.c), and harness notes that must not
# count.
CLEAN_LOG = (b"vmgate 0.1 (pvh)\r\nnic0: virtio-net 52:54:00:12:34:56\r\nvmgate: ready\r\n"
             b"\n[lab] cmd: fault page\n"
             b"vmgate> fault\r\nusage: fault page|ud   (halts vmgate with an exception dump)\r\n")
PANIC_LINE = 'vmgate: panic: lwIP assertion "pbuf_free: p->ref > 0" failed at src/core/pbuf.c:753'
PANIC_LOG = CLEAN_LOG + b"\r\n" + PANIC_LINE.encode() + b"\r\n"
EXCEPTION_LOG = (CLEAN_LOG + b"\r\n\x1b[0mvmgate: exception 13 (general protection), error code 0x0\r\n"
                 b"RIP ffffffff80001234  CS 0008  RFLAGS 0000000000010046\r\nvmgate: halted\r\n")

LAB_TESTS = '''
import os
import lab as labmod
from vmgate import Vmgate

CASES = {cases!r}


def fake(lab, which, expect=False):
    gw = Vmgate(lab, None, config="")       # configured, never started: no QEMU
    if expect:
        gw.expect_fault()
    with open(gw.vm.logfile, "wb") as f:
        f.write(CASES[which])


def test_clean(lab):
    fake(lab, "clean")


def test_panic(lab):
    fake(lab, "panic")


def test_panic_and_a_failed_check(lab):
    fake(lab, "panic")
    assert False, "the test's own check"


def test_exception(lab):
    fake(lab, "exception")


def test_expected_fault_seen(lab):
    fake(lab, "exception", expect=True)


def test_expected_fault_missing(lab):
    fake(lab, "clean", expect=True)


def test_watched_process_output(lab):
    path = lab.logpath("vmgate-run.log")
    with open(path, "wb") as f:
        f.write(CASES["panic"])
    lab.watch_console("vmgate-run", path)
'''


def lab_result(tmp, func):
    """Runs one of LAB_TESTS through lab.py as tests/run does; returns result.json."""
    logdir = os.path.join(tmp, func)
    p = subprocess.run([sys.executable, LAB_PY, "run", f"{tmp}/test_console.py::{func}", logdir],
                       env=clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    with open(os.path.join(logdir, "result.json")) as f:
        result = json.load(f)
    check(result["ok"] == (p.returncode == 0), f"lab.py exit {p.returncode} but result {result}")
    return result


@test
def console_scan_finds_panics_exceptions_and_lwip_assertions():
    sys.path.insert(0, os.path.dirname(LAB_PY))
    import lab
    tmp = tempfile.mkdtemp(prefix="vmgate-selftest-log-")
    try:
        path = os.path.join(tmp, "vmgate.log")
        for data, want in ((CLEAN_LOG, []), (PANIC_LOG, [(9, PANIC_LINE)]),
                           (EXCEPTION_LOG, [(9, "vmgate: exception 13 (general protection), error code 0x0")]),
                           (b'lwip: lwIP assertion "x" failed somewhere\n', [(1, 'lwip: lwIP assertion "x" failed somewhere')])):
            with open(path, "wb") as f:
                f.write(data)
            got = lab.scan_console_log(path)
            check(got == want, f"scan of {data!r}: {got}, expected {want}")
        check(lab.scan_console_log(os.path.join(tmp, "absent.log")) == [], "a missing log has faults")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def console_check_fails_lab_tests_whose_vmgate_faulted():
    tmp = tempfile.mkdtemp(prefix="vmgate-selftest-lab-")
    try:
        cases = {"clean": CLEAN_LOG, "panic": PANIC_LOG, "exception": EXCEPTION_LOG}
        with open(os.path.join(tmp, "test_console.py"), "w") as f:
            f.write(LAB_TESTS.format(cases=cases))
        r = lab_result(tmp, "test_clean")
        check(r["ok"], f"a clean console failed the test: {r}")
        r = lab_result(tmp, "test_panic")
        check(not r["ok"] and r["reason"] == f"vmgate console vmgate.log:9: {PANIC_LINE}",
              f"a panic on a passing test's console: {r}")
        r = lab_result(tmp, "test_panic_and_a_failed_check")
        check(not r["ok"] and r["reason"].startswith(f"vmgate console vmgate.log:9: {PANIC_LINE} (the test: ")
              and "the test's own check" in r["reason"], f"a panic and a failed check: {r}")
        r = lab_result(tmp, "test_exception")
        check(not r["ok"] and "vmgate: exception 13 (general protection)" in r["reason"],
              f"an exception dump: {r}")
        r = lab_result(tmp, "test_expected_fault_seen")
        check(r["ok"], f"an expected fault failed the test: {r}")
        r = lab_result(tmp, "test_expected_fault_missing")
        check(not r["ok"] and "expected a fault dump or panic and the console shows none" in r["reason"],
              f"an expected fault that did not come: {r}")
        r = lab_result(tmp, "test_watched_process_output")
        check(not r["ok"] and r["reason"].startswith("vmgate-run console vmgate-run.log:9: vmgate: panic:"),
              f"a watched process log: {r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    only = argv[0] if argv else ""
    passed = failed = 0
    for fn in TESTS:
        if only not in fn.__name__:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:
            failed += 1
            first = str(e).split("\n", 1)[0] if str(e) else type(e).__name__
            print(f"FAIL selftest/{fn.__name__}: {first}", flush=True)
            sys.stderr.write(textwrap.indent(traceback.format_exc(), "    ") + "\n")
            sys.stderr.flush()
            continue
        passed += 1
        print(f"PASS selftest/{fn.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
    print(f"selftest: {passed} passed, {failed} failed")
    if passed + failed == 0:
        print(f"selftest: no test name contains {only!r}")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
