"""The admin flows of issue #26 through python-gitlab's Python API (Debian python3-gitlab 3.12).

Usage: /usr/bin/python3 python_gitlab_flows.py <base-url> <admin-token> <prefix>
Prints one JSON object: what each call answered (or the error it raised, with the HTTP status),
for the jest suite to check. A call that raises is recorded, not fatal, so one failure names
itself. Nothing here is Switchboard-specific: it is what an admin writes against GitLab.
"""
import datetime
import json
import sys

import gitlab

URL, TOKEN, PREFIX = sys.argv[1], sys.argv[2], sys.argv[3]
FLAG = "code_completion_model_codestral_2508_vertex"
out = {}
gl = gitlab.Gitlab(URL, private_token=TOKEN)


def step(name, fn):
    try:
        out[name] = fn()
    except Exception as err:  # recorded for the test to report, never swallowed silently
        out[name] = {"error": type(err).__name__, "status": getattr(err, "response_code", None),
                     "message": str(err)[:300]}


def user(name, **extra):
    return gl.users.create({"username": f"{PREFIX}-{name}", "name": name.title(),
                            "email": f"{PREFIX}-{name}@example.com", **extra})


def works(token):
    try:
        gitlab.Gitlab(URL, private_token=token).auth()
        return True
    except gitlab.GitlabAuthenticationError:
        return False


bob, carol, dave = user("bob"), user("carol"), user("dave", skip_confirmation=True)


def save():
    u = gl.users.get(bob.id)
    u.name = "Bob Renamed"
    u.email = f"{PREFIX}-bob2@example.com"
    u.save()  # sends email, username and name, always
    u.username = f"{PREFIX}-robert"
    u.save()
    again = gl.users.get(bob.id)
    return {"name": again.name, "email": again.email, "username": again.username}


step("user.save", save)


def deactivate():
    t = gl.users.get(bob.id).personal_access_tokens.create({"name": "ide", "scopes": ["api"]})
    u = gl.users.get(bob.id, lazy=True)
    answer = u.deactivate()
    state, usable = gl.users.get(bob.id).state, works(t.token)
    back = u.activate()
    return {"deactivate": answer, "state": state, "token_works": usable, "activate": back,
            "state_after": gl.users.get(bob.id).state, "token_works_after": works(t.token)}


step("user.deactivate/activate", deactivate)


def blocked_cannot_activate():
    u = gl.users.get(carol.id, lazy=True)
    u.block()
    try:
        u.activate()
        return "activated"
    except gitlab.GitlabActivateError as err:
        return err.response_code
    finally:
        u.unblock()


step("user.activate(blocked)", blocked_cannot_activate)

# A group tree: acme > sub > widgets, and acme > tools.
acme = gl.groups.create({"name": f"{PREFIX} Acme", "path": f"{PREFIX}-acme"})
sub = gl.groups.create({"name": "Sub", "path": "sub", "parent_id": acme.id})
widgets = gl.projects.create({"name": "Widgets", "namespace_id": sub.id})
tools = gl.projects.create({"name": "Tools", "namespace_id": acme.id})


def members():
    created = acme.members.create({"user_id": dave.id, "access_level": 30})
    m = acme.members.get(dave.id)
    m.access_level = 40
    m.save()
    inherited = gl.groups.get(sub.id).members_all.list(get_all=True)
    one = gl.groups.get(sub.id).members_all.get(dave.id)
    return {"created": {"username": created.username, "access_level": created.access_level,
                        "state": created.state, "has_expires_at": "expires_at" in created.attributes},
            "get": m.username, "after_save": acme.members.get(dave.id).access_level,
            "sub_all": [(x.username, x.access_level) for x in inherited],
            "sub_all_get": one.access_level}


step("group members", members)


def memberships():
    widgets_p = gl.projects.get(widgets.id)
    widgets_p.members.create({"user_id": dave.id, "access_level": 20})
    d = gl.users.get(dave.id, lazy=True)
    every = d.memberships.list(get_all=True)
    projects = d.memberships.list(type="Project", get_all=True)
    return {"all": sorted((m.source_type, m.source_name) for m in every),
            "projects": [m.source_name for m in projects]}


step("user.memberships", memberships)


def project_members():
    p = gl.projects.get(widgets.id)
    listed = [(m.username, m.access_level) for m in p.members.list(get_all=True)]
    one = p.members.get(dave.id).access_level
    p.members.delete(dave.id)
    return {"listed": listed, "get": one, "after_delete": len(p.members.list(get_all=True))}


step("project members", project_members)


def tree():
    g = gl.groups.get(acme.id)
    return {"subgroups": [s.full_path for s in g.subgroups.list(get_all=True)],
            "projects": [p.path_with_namespace for p in g.projects.list(get_all=True)],
            "with_subgroups": sorted(p.path_with_namespace
                                     for p in g.projects.list(include_subgroups=True, get_all=True))}


step("group subgroups/projects", tree)


def offboard():
    purchase = gl.http_post(f"/groups/{acme.id}/add_on_purchases",
                            post_data={"add_on": "duo_pro", "quantity": 2})
    gl.http_post(f"/groups/{acme.id}/add_on_purchases/{purchase['id']}/assignments",
                 post_data={"user_id": dave.id})
    before = gl.http_get(f"/groups/{acme.id}/add_on_purchases")[0]["assigned_quantity"]
    gl.groups.get(acme.id).members.delete(dave.id)
    try:
        acme.members.get(dave.id)
        still = True
    except gitlab.GitlabGetError as err:
        still = err.response_code
    after = gl.http_get(f"/groups/{acme.id}/add_on_purchases")[0]["assigned_quantity"]
    return {"seats_before": before, "member_after": still, "seats_after": after}


step("group member removal (offboarding)", offboard)


def delete_group_named_by_flag():
    gl.features.set(FLAG, True, group=acme.full_path)
    try:
        gl.groups.delete(acme.id)
        refused = None
    except gitlab.GitlabDeleteError as err:
        refused = {"status": err.response_code, "names_flag": FLAG in str(err)}
    gl.features.set(FLAG, False, group=acme.full_path)
    gl.groups.delete(acme.id)
    try:
        gl.groups.get(sub.id)
        gone = False
    except gitlab.GitlabGetError as err:
        gone = err.response_code == 404
    event = gl.audit_events.list(entity_type="Group", entity_id=str(acme.id), get_all=True)[0]
    return {"refused": refused, "subgroup_gone": gone, "event": event.event_name,
            "event_projects": sorted(event.details["before"]["projects"])}


step("group delete", delete_group_named_by_flag)


def delete_project():
    other = gl.groups.create({"name": f"{PREFIX} Other", "path": f"{PREFIX}-other"})
    p = gl.projects.create({"name": "Gone", "namespace_id": other.id})
    gl.projects.delete(p.id)
    try:
        gl.projects.get(p.id)
        return "still there"
    except gitlab.GitlabGetError as err:
        return err.response_code


step("project delete", delete_project)


def delete_user():
    t = gl.users.get(carol.id).personal_access_tokens.create({"name": "ide", "scopes": ["api"]})
    gl.users.delete(carol.id, hard_delete=True)  # python-gitlab sends ?hard_delete=True
    try:
        gl.users.get(carol.id)
        found = True
    except gitlab.GitlabGetError as err:
        found = err.response_code
    return {"get_after": found, "token_works": works(t.token)}


step("user delete", delete_user)


def rotate():
    t = gl.users.get(dave.id).personal_access_tokens.create({"name": "ci", "scopes": ["api"]})
    got = gl.http_get(f"/personal_access_tokens/{t.id}")
    new = gl.http_post(f"/personal_access_tokens/{t.id}/rotate")
    week = (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=7)).isoformat()
    old_after = gl.http_get(f"/personal_access_tokens/{t.id}")
    return {"get": got["name"], "new_name": new["name"], "new_id_differs": new["id"] != t.id,
            "expires_in_a_week": new["expires_at"] == week, "old_revoked": old_after["revoked"],
            "old_works": works(t.token), "new_works": works(new["token"])}


step("token get/rotate", rotate)


def audit():
    latest = gl.audit_events.list(per_page=1, page=1)[0]
    one = gl.audit_events.get(latest.id)
    now = datetime.datetime.now(datetime.timezone.utc)
    recent = gl.audit_events.list(created_after=(now - datetime.timedelta(hours=1)).isoformat(),
                                  get_all=True)
    future = gl.audit_events.list(created_after=(now + datetime.timedelta(days=1)).isoformat(),
                                  get_all=True)
    old = gl.audit_events.list(created_before="2000-01-01", get_all=True)
    return {"get": one.id == latest.id, "recent": len(recent) > 0, "future": len(future),
            "before_2000": len(old), "all_false": len(gl.audit_events.list(all=False)) > 0}


step("audit events", audit)


def users_list():
    admins = gl.users.list(admins=True, get_all=True)
    by_name = [u.username for u in gl.users.list(search=PREFIX, order_by="username", sort="asc",
                                                 get_all=True)]
    default = [u.id for u in gl.users.list(search=PREFIX, get_all=True)]
    return {"admins_only": all(u.is_admin for u in admins) and len(admins) > 0,
            "by_username_sorted": by_name == sorted(by_name) and len(by_name) > 1,
            "default_id_desc": default == sorted(default, reverse=True)}


step("users list", users_list)
print(json.dumps(out, default=str))
