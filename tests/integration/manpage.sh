#!/usr/bin/env bash
# The man page ocf_heartbeat_route53.7, as the build made it, never
# disagrees with the agent's meta-data: rendered by man(1), it has every
# section (name, synopsis, description, parameters, actions, a crm and a
# pcs example, see also: the README and reference files of doc/ that
# exist), the description, and for every parameter, in
# the meta-data's order and no other, its short and long description, its
# type and default and its OCF 1.1 hints; every action with its timeouts;
# examples whose operations carry the advertised timeouts.  The comparison
# is run once more against a meta-data with one default changed, which
# it must reject, so it is known to be able to fail.
#
# Environment: AGENT (the built agent), TOP_SRCDIR (where doc/ is),
# MAN_PAGE (default: $TOP_BUILDDIR/metadata/ocf_heartbeat_route53.7).
set -u
. "$(dirname "$0")/../lib.sh"

: "${AGENT:?}" "${TOP_SRCDIR:?}" "${TOP_BUILDDIR:=$(dirname "$(dirname "$AGENT")")}"
MAN_PAGE=${MAN_PAGE:-$TOP_BUILDDIR/metadata/ocf_heartbeat_route53.7}
[ -f "$MAN_PAGE" ] || skip_test "no $MAN_PAGE: configure found no xsltproc or DocBook XSL (Debian: xsltproc docbook-xsl)"
command -v man >/dev/null || skip_test "man is not installed (Debian: man-db)"

# What a user reads: man's rendering, wide, no hyphenation or justification.
LC_ALL=C MANWIDTH=300 man --nh --nj -l "$MAN_PAGE" 2>"$TEST_TMP/man.err" | col -b >"$TEST_TMP/man.txt"
[ -s "$TEST_TMP/man.txt" ] || fail "man -l $MAN_PAGE rendered nothing: $(cat "$TEST_TMP/man.err")"
[ -s "$TEST_TMP/man.err" ] && not_ok "man renders the page without warnings" "$(cat "$TEST_TMP/man.err")" \
    || ok "man renders the page without warnings"
# The page is made from the 1.1 text (the 1.0 text is the same less the 1.1 hints).
OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 "$AGENT" meta-data >"$TEST_TMP/md.xml" \
    || fail "meta-data failed"

# compare META MAN: one "ok"/"not ok" line per check on stdout.
compare()
{
    "$PYTHON3" - "$1" "$2" <<'EOF'
import os, re, sys, xml.etree.ElementTree as ET

md = ET.parse(sys.argv[1]).getroot()
lines = open(sys.argv[2]).read().split("\n")
norm = lambda s: " ".join((s or "").split())
results = []
def check(desc, cond, detail=""):
    results.append((desc, bool(cond), detail))

# Sections: lines starting in column 0.
sections, cur = {}, None
for l in lines:
    if re.match(r"^[A-Z][A-Z ]+$", l):
        cur = l.strip()
        sections[cur] = []
    elif cur:
        sections[cur].append(l)
want = ["NAME", "SYNOPSIS", "DESCRIPTION", "SUPPORTED PARAMETERS", "SUPPORTED ACTIONS",
        "EXAMPLE CRM SHELL", "EXAMPLE PCS", "SEE ALSO"]
check("sections in order: " + ", ".join(want), [s for s in sections] == want, list(sections))
text = lambda name: norm(" ".join(sections.get(name, [])))

name = md.get("name")
check("NAME: ocf_heartbeat_%s - its shortdesc" % name,
      text("NAME") == "ocf_heartbeat_%s - %s" % (name, norm(md.findtext("shortdesc"))), text("NAME"))
check("DESCRIPTION is the longdesc", text("DESCRIPTION") == norm(md.findtext("longdesc")),
      text("DESCRIPTION")[:200])
actions = [a.get("name") for a in md.find("actions")]
syn = text("SYNOPSIS")
check("SYNOPSIS lists every action", syn == "%s {%s}" % (name, " | ".join(dict.fromkeys(actions))), syn)

# Parameters: an entry starts with a 7-space-indented term line.
# (The section's first paragraph is its introduction.)
entries, cur = [], None
plines = sections.get("SUPPORTED PARAMETERS", [])
intro = next((i for i, l in enumerate(plines) if i > 0 and not l.strip()), 0)
check("parameters: the introduction names OCF_RESKEY_",
      "OCF_RESKEY_name" in norm(" ".join(plines[:intro])), plines[:intro])
for l in plines[intro:]:
    m = re.match(r"^ {7}(\S+)(.*)$", l)
    if m and not l.startswith(" " * 8):
        cur = [m.group(1), m.group(2).strip(), []]
        entries.append(cur)
    elif cur:
        cur[2].append(l)
params = md.find("parameters").findall("parameter")
check("parameters: every one, in the meta-data's order, and no other",
      [e[0] for e in entries] == [p.get("name") for p in params],
      "man: %s" % [e[0] for e in entries])
byname = {e[0]: e for e in entries}
for p in params:
    n = p.get("name")
    e = byname.get(n)
    if e is None:
        check("parameter %s is in the page" % n, False)
        continue
    body = norm(" ".join(e[2]))
    hints = []
    if p.get("required") == "1": hints.append("(required)")
    if p.get("reloadable") == "1": hints.append("(reloadable)")
    if p.get("unique-group"): hints.append("(unique group: %s)" % p.get("unique-group"))
    dep = p.find("deprecated")
    if dep is not None: hints.append("(deprecated)")
    check("%s: hints %s" % (n, " ".join(hints) or "none"), e[1] == " ".join(hints), e[1])
    c = p.find("content")
    typedef = "(%s, %s)" % (c.get("type"),
                            "default %s" % c.get("default") if c.get("default") is not None else "no default")
    expect = norm(p.findtext("shortdesc"))
    if dep is not None:
        expect += " Deprecated" + "".join(", replaced with %s" % r.get("name")
                                          for r in dep.findall("replaced-with"))
        expect += ": %s." % norm(dep.findtext("desc"))
    expect += " " + norm(p.findtext("longdesc")) + " " + typedef
    check("%s: shortdesc, longdesc, %s" % (n, typedef), body == expect,
          "man: %s\nmeta-data: %s" % (body[:300], expect[:300]))

# Actions: "o   NAME: timeout T[, interval I][, depth D]".
items = [norm(l)[2:].strip() for l in sections.get("SUPPORTED ACTIONS", []) if norm(l).startswith("o ")]
expect = []
for a in md.find("actions"):
    s = "%s: timeout %s" % (a.get("name"), a.get("timeout"))
    for k in ("interval", "depth", "role", "start-delay"):
        if a.get(k) is not None: s += ", %s %s" % (k, a.get(k))
    expect.append(s)
check("actions: every one with its timeout, interval and depth", items == expect,
      "man: %s\nmeta-data: %s" % (items, expect))

# The examples show the plain monitor (depth 0), not the OCF_CHECK_LEVEL=10 one.
t = {a.get("name"): a for a in md.find("actions") if a.get("depth", "0") == "0"}
ops = "start timeout=%s stop timeout=%s monitor interval=%s timeout=%s" % (
    t["start"].get("timeout"), t["stop"].get("timeout"), t["monitor"].get("interval"),
    t["monitor"].get("timeout"))
crm = text("EXAMPLE CRM SHELL").replace("\\ ", "")
pcs = text("EXAMPLE PCS").replace("\\ ", "")
check("crm example: crm configure primitive with ocf:heartbeat:%s and the advertised op timeouts" % name,
      crm.startswith("crm configure primitive ") and "ocf:heartbeat:%s" % name in crm
      and crm.endswith("op " + ops.replace(" stop", " op stop").replace(" monitor", " op monitor")), crm)
check("pcs example: pcs resource create with ocf:heartbeat:%s and the advertised op timeouts" % name,
      pcs.startswith("pcs resource create ") and "ocf:heartbeat:%s" % name in pcs
      and pcs.endswith("op " + ops), pcs)
check("SEE ALSO names crm(8), pcs(8) and the README",
      all(w in text("SEE ALSO") for w in ("crm(8)", "pcs(8)", "README")), text("SEE ALSO"))
# The reference files it names are files of the source's doc/ (which the
# packages install beside the README).
named = re.findall(r"\b([a-z]+\.md)\b", text("SEE ALSO"))
srcdoc = os.path.join(os.environ.get("TOP_SRCDIR", "/nonexistent"), "doc")
check("SEE ALSO names doc/ and reference files that exist there: %s" % ", ".join(named),
      "/doc/" in text("SEE ALSO") and "failures.md" in named
      and all(os.path.isfile(os.path.join(srcdoc, n)) for n in named),
      "%s; in %s: %s" % (text("SEE ALSO"), srcdoc, sorted(os.listdir(srcdoc)) if os.path.isdir(srcdoc) else "none"))

for desc, good, detail in results:
    print(("ok" if good else "not ok") + "\t" + desc + ("\t" + detail.replace("\n", " | ") if not good else ""))
EOF
}

compare "$TEST_TMP/md.xml" "$TEST_TMP/man.txt" >"$TEST_TMP/results" || fail "the comparison did not run"
[ -s "$TEST_TMP/results" ] || fail "the comparison checked nothing"
while IFS=$'\t' read -r verdict desc detail; do
    if [ "$verdict" = ok ]; then ok "$desc"; else not_ok "$desc" "$detail"; fi
done <"$TEST_TMP/results"

# The comparison can fail: a meta-data whose ttl default differs from the page's.
sed 's|<content type="integer" default="10" />|<content type="integer" default="11" />|' \
    "$TEST_TMP/md.xml" >"$TEST_TMP/md-changed.xml"
cmp -s "$TEST_TMP/md.xml" "$TEST_TMP/md-changed.xml" && fail "could not change ttl's default"
compare "$TEST_TMP/md-changed.xml" "$TEST_TMP/man.txt" >"$TEST_TMP/results-changed"
caught=$(grep '^not ok' "$TEST_TMP/results-changed" | cut -f2)
if [ "$caught" = "ttl: shortdesc, longdesc, (integer, default 11)" ]; then
    ok "a changed default (ttl 11) is caught, and nothing else is"
else
    not_ok "a changed default (ttl 11) is caught, and nothing else is" "failed checks: ${caught:-none}"
fi
finish
