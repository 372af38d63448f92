"""What an admin does with python-gitlab (Debian python3-gitlab 3.12), unmodified, against Switchboard.

Usage: /usr/bin/python3 python_gitlab_admin.py <scenario> <base-url> <admin-token> [prefix]
  scenario: "admin" (identity, seats, audit) or "features" (every gate kind python-gitlab sends)
Prints one JSON object: what each call answered (or the error it raised), for the jest suite to
check. A call that raises is recorded, not fatal, so one failure names itself.
"""
import json
import sys
import warnings

import gitlab

SCENARIO, URL, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
PREFIX = sys.argv[4] if len(sys.argv) > 4 else "conf"
FLAG = "code_completion_model_codestral_2508_vertex"
out = {"python_gitlab": gitlab.__version__}


def step(name, fn):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out[name] = fn()
            if caught:
                out[name + ":warnings"] = [str(w.message)[:200] for w in caught]
    except Exception as err:  # recorded for the test to report, never swallowed silently
        out[name] = {"error": type(err).__name__, "message": str(err)[:500]}


gl = gitlab.Gitlab(URL, private_token=TOKEN, per_page=None)


def gate_summary(feature):
    return {"name": feature.name, "state": feature.state, "gates": feature.gates}


def admin_scenario():
    def auth():
        gl.auth()
        return {"username": gl.user.username, "is_admin": gl.user.is_admin}

    step("auth", auth)
    step("version", lambda: list(gl.version()))

    def create_user():
        u = gl.users.create(
            {
                "username": f"{PREFIX}-alice",
                "name": "Alice",
                "email": f"{PREFIX}-alice@example.com",
                "password": "correct horse battery staple",
                "skip_confirmation": True,
            }
        )
        return {"id": u.id, "username": u.username, "has_password": "password" in u.attributes}

    step("users.create", create_user)
    alice_id = out["users.create"].get("id")
    step("users.get", lambda: gl.users.get(alice_id).username)
    step("users.list(username)", lambda: [u.username for u in gl.users.list(username=f"{PREFIX.upper()}-ALICE")])
    def get_all():
        users = gl.users.list(search=f"{PREFIX}-bulk-", get_all=True)
        return {"count": len(users), "distinct": len({u.id for u in users})}

    step("users.list(search, get_all)", get_all)
    step("users.list(search, iterator)", lambda: sum(1 for _ in gl.users.list(search=f"{PREFIX}-bulk-", iterator=True, per_page=100)))
    step("users.list(first page)", lambda: len(gl.users.list(search=f"{PREFIX}-bulk-")))
    def page_two():
        everyone = [u.username for u in gl.users.list(search=f"{PREFIX}-bulk-", get_all=True)]
        page = [u.username for u in gl.users.list(search=f"{PREFIX}-bulk-", page=2, per_page=7)]
        return {"page": page, "same_as_get_all_7_to_13": page == everyone[7:14]}

    step("users.list(page 2 of 7)", page_two)

    def block():
        u = gl.users.get(alice_id)
        blocked = u.block()
        state_after_block = gl.users.get(alice_id).state
        listed = [x.username for x in gl.users.list(blocked=True, search=PREFIX)]
        unblocked = u.unblock()
        return {"block": blocked, "state": state_after_block, "blocked_list": listed,
                "unblock": unblocked, "state_after": gl.users.get(alice_id).state}

    step("user.block/unblock", block)

    def tokens():
        u = gl.users.get(alice_id)
        t = u.personal_access_tokens.create({"name": "ide", "scopes": ["api", "ai_features"], "expires_at": "2099-01-01"})
        listed = gl.personal_access_tokens.list(user_id=alice_id, get_all=True)
        mine = gitlab.Gitlab(URL, private_token=t.token)
        self_token = mine.http_get("/personal_access_tokens/self")
        mine.auth()
        gl.personal_access_tokens.delete(t.id)
        after = gl.personal_access_tokens.list(user_id=alice_id, state="active", get_all=True)
        revoked = gl.personal_access_tokens.list(user_id=alice_id, revoked=True, get_all=True)
        try:
            mine.http_get("/user")
            still_works = True
        except gitlab.GitlabAuthenticationError:
            still_works = False
        return {"created": t.name, "secret_given": bool(t.token), "listed": [x.name for x in listed],
                "self": self_token["name"], "self_auth": mine.user.username,
                "active_after_revoke": len(after), "revoked_listed": [x.id for x in revoked] == [t.id],
                "works_after_revoke": still_works}

    step("tokens", tokens)

    def groups_projects():
        g = gl.groups.create({"name": f"{PREFIX} Acme", "path": f"{PREFIX}-acme"})
        sub = gl.groups.create({"name": "Sub", "path": "sub", "parent_id": g.id})
        by_path = gl.groups.get(f"{PREFIX}-acme/sub")
        p = gl.projects.create({"name": "Widgets", "namespace_id": sub.id})
        project_by_path = gl.projects.get(f"{PREFIX}-acme/sub/widgets")
        by_path.members.create({"user_id": alice_id, "access_level": 30})
        members = by_path.members.list(get_all=True)
        found_groups = gl.groups.list(search=f"{PREFIX}-acme", get_all=True)
        found_projects = gl.projects.list(search="widgets", get_all=True)
        return {"group": g.full_path, "sub_by_path": by_path.id == sub.id,
                "project": p.path_with_namespace, "project_by_path": project_by_path.id == p.id,
                "members": [(m.username, m.access_level) for m in members],
                "groups_search": sorted(x.full_path for x in found_groups),
                "projects_search": [x.path_with_namespace for x in found_projects],
                "group_id": g.id, "sub_id": sub.id}

    step("groups/projects", groups_projects)

    def seats():
        gp = out["groups/projects"]
        purchase = gl.http_post(f"/groups/{gp['group_id']}/add_on_purchases",
                                post_data={"add_on": "duo_pro", "quantity": 5})
        gl.http_post(f"/groups/{gp['group_id']}/add_on_purchases/{purchase['id']}/assignments",
                     post_data={"user_id": alice_id})
        listed = gl.http_get(f"/groups/{gp['group_id']}/add_on_purchases")
        return {"add_on": purchase["add_on"], "listed": [(x["add_on"], x.get("assigned_quantity")) for x in listed]}

    step("seats", seats)

    def audit():
        page = gl.audit_events.list(per_page=5, page=1)
        lazy = gl.audit_events.list(per_page=5, iterator=True)
        events = gl.audit_events.list(entity_type="User", get_all=True)
        return {"first_page": len(page), "user_events": len(events) > 0,
                "total_pages": lazy.total_pages, "total": lazy.total}

    step("audit_events", audit)


def features_scenario():
    def feature_of(name):
        return next(f for f in gl.features.list() if f.name == name)

    step("features.set(true)", lambda: gate_summary(gl.features.set(FLAG, True)))
    step("features.list", lambda: gate_summary(feature_of(FLAG)))
    step("features.set(percentage on fully on)", lambda: gate_summary(gl.features.set(FLAG, 30)))
    step("feature.delete", lambda: feature_of(FLAG).delete())
    step("features.list after delete", lambda: [f.name for f in gl.features.list()].count(FLAG))
    step("features.set(user)", lambda: gate_summary(gl.features.set(FLAG, True, user=f"{PREFIX}-alice")))
    step("features.set(group)", lambda: gate_summary(gl.features.set(FLAG, True, group=f"{PREFIX}-acme")))
    step("features.set(project)", lambda: gate_summary(gl.features.set(FLAG, True, project=f"{PREFIX}-acme/widgets")))
    step("features.set(feature_group)", lambda: gate_summary(gl.features.set(FLAG, True, feature_group="gitlab_team_members")))
    step("features.set(percentage_of_actors)", lambda: gate_summary(gl.features.set(FLAG, 25, key="percentage_of_actors")))
    step("features.set(percentage_of_time)", lambda: gate_summary(gl.features.set(FLAG, 40)))
    step("features.set(false)", lambda: gate_summary(gl.features.set(FLAG, False)))
    step("features.delete", lambda: gl.features.delete(FLAG))
    step("features.list after features.delete", lambda: [f.name for f in gl.features.list()].count(FLAG))


if SCENARIO == "admin":
    admin_scenario()
elif SCENARIO == "features":
    features_scenario()
else:
    raise SystemExit(f"unknown scenario {SCENARIO}")
print(json.dumps(out, default=str))
