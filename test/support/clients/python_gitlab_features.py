"""The Features API as an admin drives it with python-gitlab 3.12 (Debian python3-gitlab and its
`python-gitlab` CLI, Debian gitlab-cli), unmodified, against Switchboard (issue #26).

Usage: /usr/bin/python3 python_gitlab_features.py <scenario> <base-url> <admin-token> <user>
  scenario "cli": force on an undefined flag, boolean enable clearing the other gates, the CLI's
                  `feature list` and `feature delete` (its only feature actions in 3.12)
  scenario "unleash": the flag holds a strategy made in Unleash: list, merge, off, the refused
                  revive and delete (API and CLI), then the explicit discard
Prints one JSON object: what each call answered (or the error it raised).
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import gitlab

SCENARIO, URL, TOKEN, USER = sys.argv[1:5]
FLAG = "code_completion_model_codestral_2508_vertex"
out = {"python_gitlab": gitlab.__version__}
gl = gitlab.Gitlab(URL, private_token=TOKEN, per_page=None)


def step(name, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = fn()
    except Exception as err:  # recorded for the test to report, never swallowed silently
        out[name] = {"error": type(err).__name__, "code": getattr(err, "response_code", None),
                     "message": str(err)[:600]}


def summary(feature):
    return {"name": feature.name, "state": feature.state, "gates": feature.gates}


def feature_of(name):
    found = [f for f in gl.features.list(get_all=True) if f.name == name]
    return summary(found[0]) if found else None


CONFIG = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
CONFIG.write(f"[global]\ndefault = sb\n\n[sb]\nurl = {URL}\nprivate_token = {TOKEN}\n")
CONFIG.close()


def cli(*args):
    """The `python-gitlab` command as an admin types it; its exit code, JSON output or error."""
    res = subprocess.run(["python-gitlab", "-c", CONFIG.name, "-o", "json", *args],
                         capture_output=True, text=True, timeout=60)
    body = res.stdout.strip()
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body[:600]
    return {"exit": res.returncode, "out": parsed, "err": res.stderr.strip()[-600:]}


def cli_names():
    r = cli("feature", "list", "--get-all")
    return {"exit": r["exit"], "names": [f["name"] for f in (r["out"] or [])]}


def cli_scenario():
    forced = "py_forced_flag"
    step("set(undefined)", lambda: summary(gl.features.set(forced, True)))
    step("set(undefined, force=True)", lambda: summary(gl.features.set(forced, True, force=True)))
    step("cli feature list (forced)", lambda: cli_names())
    step("cli feature delete (forced)", lambda: cli("feature", "delete", "--name", forced))
    step("list after cli delete", lambda: feature_of(forced))
    step("set(user)", lambda: summary(gl.features.set(FLAG, True, user=USER)))
    step("set(25, percentage_of_actors)",
         lambda: summary(gl.features.set(FLAG, 25, key="percentage_of_actors")))
    step("set(True) clears", lambda: summary(gl.features.set(FLAG, True)))
    step("cli feature list", lambda: [f for f in (cli("feature", "list")["out"] or [])
                                      if f["name"] == FLAG])
    step("cli feature delete", lambda: cli("feature", "delete", "--name", FLAG))
    step("cli feature delete (unknown)", lambda: cli("feature", "delete", "--name", "no_such_flag"))


def unleash_scenario():
    step("list", lambda: feature_of(FLAG))
    step("cli feature list", lambda: [f for f in (cli("feature", "list")["out"] or [])
                                      if f["name"] == FLAG])
    step("set(user) merges", lambda: summary(gl.features.set(FLAG, True, user=USER)))
    step("set(False)", lambda: summary(gl.features.set(FLAG, False)))
    step("set(user) refused", lambda: summary(gl.features.set(FLAG, True, user=USER)))
    step("delete refused", lambda: gl.features.delete(FLAG))
    step("cli feature delete refused", lambda: cli("feature", "delete", "--name", FLAG))
    step("set(user, discard_unleash_strategies=True)",
         lambda: summary(gl.features.set(FLAG, True, user=USER, discard_unleash_strategies=True)))
    step("cli feature delete", lambda: cli("feature", "delete", "--name", FLAG))
    step("list after delete", lambda: feature_of(FLAG))


try:
    if SCENARIO == "cli":
        cli_scenario()
    elif SCENARIO == "unleash":
        unleash_scenario()
    else:
        raise SystemExit(f"unknown scenario {SCENARIO}")
finally:
    os.unlink(CONFIG.name)
print(json.dumps(out))
