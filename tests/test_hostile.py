"""Hostile inputs: every one ends in exit 2 (or 3 when no plan exists) with one line on stderr naming
the file or flag, the field and the fix; nothing is written, nothing outside tmp_path is touched.

Classes: output paths, memory and time, strict YAML, flags that would be ignored, catalog text,
messages. (Worker processes under every solver: tests/test_workers.py.)
"""

from __future__ import annotations

import csv
import errno
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.catalog.cells import neutralise
from planner.cli import main
from planner.errors import InputError
from planner.files import write_atomic
from planner.limits import (FRONTIER_POINTS_MAX, GRID_MAX, MEMBERS_MAX, SCENARIO_MAX_BYTES, YAML_MAX_DEPTH,
                            YAML_MAX_LIST, YAML_MAX_NODES)

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
STARTUP = ROOT / "scenarios" / "startup_7b.yaml"
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"
CONSORTIUM = ROOT / "scenarios" / "consortium_health.yaml"
VMS = ROOT / "tests" / "fixtures" / "skypilot_vms_small.csv"
MINIMAL = "name: tiny\ndeadline_days: 30\nbudget_usd: 100000\n"


def _snapshot() -> tuple[str, list]:
    """The working tree's status and every /dev entry's name, type and inode."""
    status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT)
    dev = sorted((e.name, e.stat(follow_symlinks=False).st_mode, e.inode()) for e in os.scandir("/dev"))
    return status.stdout, dev


@pytest.fixture(scope="module", autouse=True)
def leaves_tree_and_dev_untouched():
    """Replaying this suite writes only into tmp_path: the working tree and /dev are as before."""
    before = _snapshot()
    yield
    assert _snapshot() == before


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run `plan ARGS` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def one_error_line(err: str, *needles: str) -> str:
    """stderr is exactly one line starting 'error:' and holding every needle (and no traceback)."""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "\x1b" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def refused(capsys, *args, needles=(), code=2) -> str:
    status, out, err = cli(capsys, *args)
    assert status == code and out == "", (status, out, err)
    return one_error_line(err, *needles)


def scenario_file(tmp_path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(tmp_path, base: Path, edit, name: str = "s.yaml") -> Path:
    data = yaml.safe_load(base.read_text())
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- output paths ---------------------------------------------------------------------------------


def test_out_onto_a_fifo_is_refused_and_the_fifo_kept(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(capsys, LAB, "--out", fifo, needles=("--out", "FIFO", "not a regular file"))
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and listing(tmp_path) == ["pipe"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/full"])
@pytest.mark.parametrize("option", ["--out", "--report", "--write-lp"])
def test_out_onto_a_device_is_refused_and_the_device_untouched(capsys, device, option):
    if not os.path.exists(device):
        pytest.skip(f"{device} absent")
    before = os.stat(device)
    line = refused(capsys, LAB, option, device, needles=(option, "character device"))
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev), line


def test_frontier_and_import_share_the_rules(tmp_path, capsys):
    os.mkfifo(tmp_path / "f")
    refused(capsys, "frontier", LAB, "--vary", "deadline", "--out", tmp_path / "f", needles=("--out", "FIFO"))
    refused(capsys, "catalog", "import", VMS, "--provider", "AWS", "--out", tmp_path / "f", needles=("--out", "FIFO"))
    refused(capsys, LAB, "--out", tmp_path, needles=("--out",))  # a directory


def test_a_symlink_is_written_through(tmp_path, capsys):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    status, _, err = cli(capsys, LAB, "--format", "json", "--no-explain", "--out", link)
    assert status == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("{") and listing(tmp_path) == ["link.json", "real.json"]


def test_an_output_name_with_control_characters_is_printed_escaped(tmp_path, capsys):
    out = tmp_path / "plan\x1b[2J.txt"
    status, _, err = cli(capsys, LAB, "--no-explain", "--out", out)
    assert status == 0 and out.is_file()
    assert "\x1b" not in err and "plan\\x1b[2J.txt" in err


def test_a_symlink_to_a_fifo_or_device_is_refused(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "to_pipe").symlink_to(tmp_path / "pipe")
    (tmp_path / "to_null").symlink_to("/dev/null")
    refused(capsys, LAB, "--out", tmp_path / "to_pipe", needles=("FIFO",))
    refused(capsys, LAB, "--out", tmp_path / "to_null", needles=("character device",))
    assert os.readlink(tmp_path / "to_null") == "/dev/null"


def test_the_input_is_never_an_output(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    shutil.copy(LAB, scenario)
    before = scenario.read_bytes()
    refused(capsys, scenario, "--out", scenario, needles=("--out", "same file"))
    (tmp_path / "alias.yaml").symlink_to(scenario)
    refused(capsys, scenario, "--report", tmp_path / "alias.yaml", needles=("--report", "same file"))
    vms = tmp_path / "vms.csv"
    shutil.copy(VMS, vms)
    refused(capsys, "catalog", "import", vms, "--provider", "AWS", "--out", vms, needles=("--out", "same file"))
    assert scenario.read_bytes() == before and vms.read_bytes() == VMS.read_bytes()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT])
@pytest.mark.parametrize("stage", ["mkstemp", "replace"])
def test_os_errors_while_writing_are_one_line_and_leave_nothing(tmp_path, monkeypatch, code, stage):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    target = tmp_path / "plan.json"
    monkeypatch.setattr("tempfile.mkstemp" if stage == "mkstemp" else "os.replace", fail)
    with pytest.raises(InputError) as exc:
        write_atomic(target, "x" * 1000, "--out")
    assert "\n" not in exc.value.message and os.strerror(code) in exc.value.message
    assert "--out" in exc.value.message and "nothing was written" in exc.value.message
    assert listing(tmp_path) == []


def _small_file_limit():
    """In the child: files may not grow past 64 bytes, and going past is an error, not a signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


@pytest.mark.parametrize("args,needle", [
    (["catalog", "import", str(VMS), "--provider", "AWS", "--out", "{tmp}/offers.csv"], "--out"),
    ([str(LAB), "--no-explain", "--solver", "highs", "--out", "{tmp}/plan.txt"], "--out"),
    ([str(LAB), "--no-explain", "--solver", "highs", "--write-lp", "{tmp}/model.lp"], "--write-lp"),
    ([str(LAB), "--no-explain", "--solver", "cbc"], "free disk space"),  # CBC's temporary model files
])
def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing(tmp_path, args, needle):
    """A real write failure: the child may write at most 64 bytes per file (RLIMIT_FSIZE), so the
    first large write fails with EFBIG, as a full disk fails with ENOSPC."""
    args = [a.format(tmp=tmp_path) for a in args]
    out = subprocess.run([PLAN, *args], capture_output=True, text=True, timeout=300, preexec_fn=_small_file_limit,
                         env={**os.environ, "TMPDIR": str(tmp_path)})
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    one_error_line(out.stderr.splitlines()[-1], needle, "To fix")
    assert listing(tmp_path) == []


# --- memory and time -------------------------------------------------------------------------------


def _subprocess_refuses(path: Path, *needles: str, args=()) -> str:
    """Run in a child with a timeout (a hang fails the test rather than blocking the suite)."""
    out = subprocess.run([PLAN, str(path), *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == "", out.stderr[-2000:]
    return one_error_line(out.stderr, *needles)


def test_a_yaml_alias_bomb_is_refused_before_expanding(tmp_path):
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        text += f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]\n"
    path = scenario_file(tmp_path, text + "name: *i\ndeadline_days: 3\n")
    assert path.stat().st_size < 1000  # 9^9 = 387 million strings once expanded
    _subprocess_refuses(path, str(path), "line", f"{YAML_MAX_NODES:,} values", "aliases")


@pytest.mark.parametrize("field", ["name", "description", "policy"])
def test_an_alias_bomb_in_any_field_is_refused(tmp_path, field):
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for prev, cur in zip("abcdef", "bcdefg"):
        text += f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]\n"
    rest = {"name": "n", "deadline_days": "3", field: "*g"}
    path = scenario_file(tmp_path, text + "".join(f"{key}: {value}\n" for key, value in rest.items()))
    _subprocess_refuses(path, str(path), "aliases")


def test_a_recursive_alias_is_refused(tmp_path):
    path = scenario_file(tmp_path, "name: &a [*a]\ndeadline_days: 3\n")
    _subprocess_refuses(path, str(path), "alias to itself")


@pytest.mark.parametrize("opening,closing", [("[", "]"), ("{a: ", "}")])
@pytest.mark.parametrize("depth", [YAML_MAX_DEPTH + 1, 20_000])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, opening, closing, depth):
    path = scenario_file(tmp_path, "name: " + opening * depth + "1" + closing * depth + "\ndeadline_days: 3\n")
    _subprocess_refuses(path, str(path), f"more than {YAML_MAX_DEPTH} levels")


def test_nesting_at_the_limit_reaches_validation(tmp_path, capsys):
    depth = YAML_MAX_DEPTH - 1  # name: [[...]] is depth+1 levels counting the top mapping
    path = scenario_file(tmp_path, "name: " + "[" * depth + "1" + "]" * depth + "\ndeadline_days: 3\n")
    refused(capsys, path, needles=("field 'name'",))


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_as_scenario_is_refused_without_reading(special):
    if not os.path.exists(special):
        pytest.skip(f"{special} absent")
    _subprocess_refuses(Path(special), special, "not a regular file")


def test_a_fifo_as_scenario_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "s.yaml")
    _subprocess_refuses(tmp_path / "s.yaml", "not a regular file", "FIFO")


def test_a_large_scenario_is_refused_before_parsing(tmp_path, capsys):
    path = scenario_file(tmp_path, MINIMAL + "# " + "x" * SCENARIO_MAX_BYTES + "\n")
    refused(capsys, path, needles=(str(path), f"{SCENARIO_MAX_BYTES:,} bytes"))


@pytest.mark.parametrize("items", [YAML_MAX_LIST + 1, 10_000])
def test_a_long_list_is_refused_while_parsing(tmp_path, capsys, items):
    sizes = ", ".join(str(1e9 + i) for i in range(items))
    path = scenario_file(tmp_path, MINIMAL + f"search: {{params_grid: [{sizes}]}}\n")
    refused(capsys, path, needles=(str(path), "line 4", f"{YAML_MAX_LIST:,} items"))


@pytest.mark.parametrize("field", ["params_grid", "tokens_per_param_grid"])
def test_a_grid_above_its_limit_is_refused(tmp_path, capsys, field):
    values = [1e9 * (1 + i) for i in range(GRID_MAX + 1)] if field == "params_grid" else list(range(1, GRID_MAX + 2))
    path = edited(tmp_path, STARTUP, lambda d: d.update(search={field: values}))
    refused(capsys, path, needles=(str(path), f"search.{field}", f"at most {GRID_MAX} items"))


def test_too_many_members_are_refused(tmp_path, capsys):
    def grow(d):
        d["members"] = [dict(d["members"][0], name=f"m{i}") for i in range(MEMBERS_MAX + 1)]

    path = edited(tmp_path, CONSORTIUM, grow)
    refused(capsys, path, needles=(str(path), "'members'", f"at most {MEMBERS_MAX} items"))


@pytest.mark.parametrize("args,flag", [
    (["frontier", LAB, "--vary", "deadline", "--points", "1000000"], "--points"),
    (["frontier", LAB, "--vary", "deadline", "--points", str(FRONTIER_POINTS_MAX + 1)], "--points"),
    ([LAB, "--risk", "--draws", "1000000000"], "--draws"),
    ([LAB, "--report", "{tmp}/r.html", "--report-points", "100000"], "--report-points"),
    (["share", CONSORTIUM, "--samples", "1000000000"], "--samples"),
])
def test_counts_on_the_command_line_are_capped(tmp_path, capsys, args, flag):
    refused(capsys, *(str(a).format(tmp=tmp_path) for a in args), needles=(flag, "range"))
    assert listing(tmp_path) == []


@pytest.mark.parametrize("field,value,most", [
    ("budget_usd", "1.0e+300", "1e+13"), ("staff_usd_per_month", "1.0e+10", "1e+08"),
    ("inference", "{lifetime_tokens: 1.0e+300}", "1e+18"), ("data", "{unique_tokens: 1.0e+19}", "1e+18"),
    ("owned_hardware", "[{hardware: hgx-h100, nodes: 10000000}]", "1e+06"),
    ("failures_per_node_day", "1e300", "1e+18"),  # YAML 1.1 reads 1e300 as text; still refused
])
def test_absurd_numbers_in_a_scenario_are_refused(tmp_path, capsys, field, value, most):
    """staff_usd_per_month 1e10 kept CBC proving infeasibility for minutes; lifetime_tokens 1e300
    crashed it: values past a field's plausible top stop at load (planner.limits.FIELD_MAX)."""
    path = scenario_file(tmp_path, MINIMAL.replace("budget_usd: 100000\n", "") + f"{field}: {value}\n")
    refused(capsys, path, needles=(str(path), field, f"plausibly be ({most})"))


def test_diagnosis_re_plans_get_the_time_limit(monkeypatch):
    """--time-limit bounds the re-plans that look for the smallest change, not only the first solve."""
    from planner import planning
    from planner.inputs import load_inputs

    seen = []
    real = planning.solve
    monkeypatch.setattr(planning, "solve", lambda *a, **k: seen.append(k["time_limit_s"]) or real(*a, **k))
    scenario, catalog = load_inputs(STARTUP)
    plan = planning.make_plan(scenario.model_copy(update={"budget_usd": 1000.0}), catalog, time_limit_s=7.0,
                              explain=False)
    assert plan.status == "infeasible" and plan.diagnosis.extra_budget_usd > 0
    # at $1,000 every candidate's cost floor is over budget, so the first plan needs no solve:
    # each solve seen is a diagnosis re-plan (the budget relaxed one found the extra budget)
    assert seen and set(seen) == {7.0}


def test_the_time_limit_reaches_sensitivity_and_frontier_re_plans(monkeypatch):
    from planner.inputs import load_inputs
    from planner.planning import make_plan
    from planner.tradeoffs import perturb
    from planner.tradeoffs.frontier import frontier
    from planner.tradeoffs.sensitivity import factors_for, sensitivity

    seen = []
    monkeypatch.setattr(perturb, "make_plan", lambda *a, **k: seen.append(k["time_limit_s"]) or make_plan(*a, **k))
    scenario, catalog = load_inputs(LAB)
    plan = make_plan(scenario, catalog, explain=False)
    sensitivity(plan, scenario, catalog, factors=factors_for(plan, scenario)[:1], steps=1, workers=1, time_limit_s=4.0)
    frontier(scenario, catalog, "deadline", points=2, workers=1, time_limit_s=4.0)
    assert len(seen) >= 2 + 2 and set(seen) == {4.0}  # both ends of one factor, then two frontier points


def test_a_huge_value_is_shown_cut_short(tmp_path, capsys):
    path = scenario_file(tmp_path, "name: n\ndeadline_days: '" + "9" * 200_000 + "x'\n")
    line = refused(capsys, path, needles=(str(path), "deadline_days", "..."))
    assert len(line) < 500


# --- strict YAML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,line", [
    (MINIMAL + "deadline_days: 3\n", 4),
    ("name: a\ndata:\n  unique_tokens: 1.0e11\n  unique_tokens: 2.0e11\ndeadline_days: 9\n", 4),
    (MINIMAL + "policy: {providers: [AWS], providers: [GCP]}\n", 4),
    ("name: a\nname: b\ndeadline_days: 9\n", 2),
])
def test_a_duplicate_key_is_refused(tmp_path, capsys, text, line):
    path = scenario_file(tmp_path, text)
    refused(capsys, path, needles=(str(path), f"line {line}", "duplicate key"))


@pytest.mark.parametrize("field,value", [
    ("deadline_days", "true"), ("deadline_days", "yes"), ("budget_usd", "yes"), ("budget_usd", "on"),
    ("staff_usd_per_month", "no"), ("program", "{runs: true}"), ("data", "{unique_tokens: true}"),
    ("policy", "{max_nodes_per_provider: {AWS: true}}"), ("search", "{params_grid: [7.0e9, true]}"),
    ("name", "true"), ("policy", "{carbon_cap_tco2e: yes}"),
])
def test_a_boolean_for_a_number_or_text_is_refused(tmp_path, capsys, field, value):
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(field + ":"))
    path = scenario_file(tmp_path, text + f"\n{field}: {value}\n")
    refused(capsys, path, needles=(str(path), field, "where a number or text is expected"))


@pytest.mark.parametrize("value", ["1", "0", "'yes'", "2.0"])
def test_a_number_or_text_for_a_yes_no_field_is_refused(tmp_path, capsys, value):
    path = scenario_file(tmp_path, MINIMAL + f"policy: {{spot_allowed: {value}}}\n")
    refused(capsys, path, needles=(str(path), "policy.spot_allowed", "true or false"))


@pytest.mark.parametrize("section,field", [("policy", "providers"), ("policy", "regions"), ("policy", "chips"),
                                           ("policy", "paths"), ("search", "params_grid"),
                                           ("search", "tokens_per_param_grid")])
def test_an_empty_filter_list_is_refused(tmp_path, capsys, section, field):
    path = scenario_file(tmp_path, MINIMAL + f"{section}: {{{field}: []}}\n")
    refused(capsys, path, needles=(str(path), f"{section}.{field}", "an empty list is refused"))


@pytest.mark.parametrize("text", ["a\x1b[2Jb", "x\x1b]0;owned\x07", "bell\x07", "c1\x9b31m"])
@pytest.mark.parametrize("field", ["name", "description"])
def test_control_characters_in_text_are_refused_and_never_printed(tmp_path, capsys, text, field):
    data = yaml.safe_load(MINIMAL)
    data[field] = text
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    refused(capsys, path, needles=(str(path), field, "control character"))


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=", "!!str x",
                                  "!custom x", "!!map {a: 1}"])
def test_yaml_tags_are_refused(tmp_path, capsys, text):
    path = scenario_file(tmp_path, MINIMAL.replace("name: tiny", f"name: {text}"))
    refused(capsys, path, needles=(str(path), "line 1", "tag"))


# --- flags that would be ignored ---------------------------------------------------------------------


@pytest.mark.parametrize("args,flag", [
    ([CONSORTIUM, "--budget", "1"], "--budget"),
    ([CONSORTIUM, "--target-loss", "2.0"], "--target-loss"),
    ([CONSORTIUM, "--target-like", "llama-2-7b"], "--target-like"),
    ([LAB, "--draws", "50"], "--draws"),
    ([LAB, "--seed", "3"], "--seed"),
    ([LAB, "--report-points", "3"], "--report-points"),
    ([LAB, "--workers", "2"], "--workers"),
    ([LAB, "--executor", "local"], "--executor"),
    (["share", CONSORTIUM, "--method", "nucleolus", "--samples", "5"], "--samples"),
    (["share", CONSORTIUM, "--method", "least-core", "--seed", "5"], "--seed"),
])
def test_a_flag_the_command_would_ignore_is_refused(capsys, args, flag):
    refused(capsys, *args, needles=(flag, "has no effect"))


def test_share_sampling_flags_need_a_sampled_consortium_and_a_bounded_plan_count(tmp_path, capsys):
    refused(capsys, "share", CONSORTIUM, "--samples", "5", needles=("--samples", "has no effect", "4 members"))

    def grow(d):
        d["members"] = [dict(d["members"][i % 4], name=f"m{i}") for i in range(40)]

    path = edited(tmp_path, CONSORTIUM, grow)
    # 40 members x 1000 sampled orders could need 40,000 coalition plans
    refused(capsys, "share", path, "--samples", "1000", needles=("--samples 1000", "40,000 coalition plans", "500"))


def test_deadline_on_a_consortium_is_refused_only_when_every_member_sets_one(tmp_path, capsys):
    every = edited(tmp_path, CONSORTIUM, lambda d: [m.setdefault("deadline_days", 240) for m in d["members"]])
    refused(capsys, every, "--deadline", "100", needles=("--deadline", "has no effect", str(every)))


# --- catalog text --------------------------------------------------------------------------------------


def catalog_copy(tmp_path) -> Path:
    folder = tmp_path / "cat"
    shutil.copytree(ROOT / "catalogs", folder)
    return folder


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1"])
def test_a_catalog_file_not_in_utf8_is_one_line_naming_it(tmp_path, capsys, encoding):
    folder = catalog_copy(tmp_path)
    chips = folder / "chips.csv"
    text = chips.read_text(encoding="utf-8")
    chips.write_bytes((text + ("" if encoding != "latin-1" else "\n# café")).encode(encoding))
    refused(capsys, "catalog", "list", "chips", "--catalog", folder, needles=(str(chips), "not UTF-8"))


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)",
                                  "note\x1b[2J", "x\x00y"])
@pytest.mark.parametrize("column", ["notes", "source"])
def test_formula_or_control_cells_in_a_catalog_are_refused(tmp_path, capsys, cell, column):
    folder = catalog_copy(tmp_path)
    sites = folder / "sites.csv"
    with sites.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    rows[0][column] = cell
    with sites.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    line = refused(capsys, "catalog", "list", "sites", "--catalog", folder, needles=(str(sites), "line 2", column))
    assert "formula" in line or "control character" in line or "NUL" in line


def _vms_with(tmp_path, *rows: dict) -> Path:
    with VMS.open() as fh:
        reader = csv.DictReader(fh)
        header, base = reader.fieldnames, list(reader)
    h100 = next(r for r in base if r["AcceleratorName"] == "H100" and r["Region"] == "us-east-1")
    path = tmp_path / "vms.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(base + [dict(h100, **row) for row in rows])
    return path


@pytest.mark.parametrize("row", [
    {"InstanceType": "=cmd|' /C calc'!A0"}, {"InstanceType": "+SUM(1+1)"}, {"Region": "@SUM(A1)"},
    {"InstanceType": "-2+3+cmd|' /C calc'!A0"}, {"InstanceType": "p5.\x1b]0;owned\x07"},
])
def test_import_drops_formula_and_control_rows_and_says_so(tmp_path, capsys, row):
    path = _vms_with(tmp_path, row)
    status, out, err = cli(capsys, "catalog", "import", path, "--provider", "AWS")
    assert status == 0, err
    assert "spreadsheet formula" in err and "\x1b" not in err + out
    value = next(iter(row.values()))
    assert value not in out and "=cmd" not in out and "@SUM" not in out and "+SUM" not in out


@pytest.mark.parametrize("field,value", [("AcceleratorCount", "1e300"), ("AcceleratorCount", "inf"),
                                         ("Price", "1e300"), ("SpotPrice", "-1e300"), ("AcceleratorCount", "5000")])
def test_import_refuses_absurd_numbers(tmp_path, capsys, field, value):
    path = _vms_with(tmp_path, {field: value})
    refused(capsys, "catalog", "import", path, "--provider", "AWS", needles=(str(path), f"field '{field}'", "plausible"))


@pytest.mark.parametrize("provider", ["=1+1", "@x", "A\x1bB", " "])
def test_import_refuses_a_hostile_provider_name(capsys, provider):
    refused(capsys, "catalog", "import", VMS, "--provider", provider, needles=("--provider",))


def test_import_refuses_a_utf16_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "vms.csv"
    path.write_bytes(VMS.read_text().encode("utf-16"))
    refused(capsys, "catalog", "import", path, "--provider", "AWS", needles=(str(path), "not UTF-8"))


@pytest.mark.parametrize("cell,shown", [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("-2.5", "-2.5"), ("+3", "+3"), ("H100", "H100"), (-4.0, -4.0)])
def test_csv_output_neutralises_formulas_but_not_numbers(cell, shown):
    assert neutralise(cell) == shown


# --- messages -------------------------------------------------------------------------------------------


def test_zero_quotas_are_no_plan_naming_the_quota(tmp_path, capsys):
    path = edited(tmp_path, STARTUP, lambda d: d["policy"].update(
        max_nodes_per_provider={provider: 0 for provider in d["policy"]["providers"]}))
    status, out, err = cli(capsys, path, "--no-explain")
    assert status == 3 and "error" not in err, err
    assert "raise the provider quotas to" in out and "nodes" in out


def test_a_policy_allowing_nothing_names_file_and_field(tmp_path, capsys):
    path = edited(tmp_path, STARTUP, lambda d: d["policy"].update(providers=["AWS"], chips=["tpu-v5p"]))
    refused(capsys, path, needles=(str(path), "field 'policy'", "allows no cloud offer", "To fix"))


def test_an_unknown_law_constant_names_the_file(tmp_path, capsys):
    path = edited(tmp_path, STARTUP, lambda d: d.update(quality_law={"overrides": {"Q": 1.0}}))
    refused(capsys, path, needles=(str(path), "quality_law.overrides", "'Q'", "To fix"))


@pytest.mark.parametrize("where", ["name: a\x00b\n", "# \x00\n", "\x00"])
def test_a_nul_byte_is_one_line(tmp_path, capsys, where):
    path = scenario_file(tmp_path, MINIMAL.replace("name: tiny\n", "name: tiny\n" + where))
    refused(capsys, path, needles=(str(path), "NUL byte"))


@pytest.mark.parametrize("args", [
    [STARTUP, "--bogus"], ["frontier", STARTUP], [STARTUP, "--solver", "gurobi"], [STARTUP, "--budget", "x"],
    ["estimate", "--params"], [STARTUP, "--draws", "0"], ["catalog", "list", "nope"], [STARTUP, "--solver", "a\x1b[2J"],
])
def test_click_usage_errors_are_one_line(capsys, args):
    refused(capsys, *args, needles=("--help",))


def test_a_non_utf8_scenario_is_one_line(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_bytes(MINIMAL.encode("utf-16"))
    refused(capsys, path, needles=(str(path), "not UTF-8"))


@pytest.mark.parametrize("args", [
    [STARTUP, "--out", "/nonexistent/x"], [STARTUP, "--budget", "1", "--deadline", "-1"],
    [CONSORTIUM, "--budget", "1"], [STARTUP, "--draws", "5"],
])
def test_input_errors_come_before_any_progress(capsys, args):
    status, out, err = cli(capsys, *args)
    assert status == 2 and out == ""
    one_error_line(err)  # the only line: no progress was printed before it
