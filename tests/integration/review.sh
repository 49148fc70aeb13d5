#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Quarterly access reviews against a real slapd, through the real PAM
# stack: a campaign snapshots who has access (with last logins from the
# audit trail and an inactivity flag), the owner keeps or revokes, a revoke
# is enforced at once with reason revoked-in-review, nobody decides on
# their own access, every refusal is clear and changes nothing, the report
# lists exactly what was decided with the chain head at close, and closing
# can remove revoked users from their groups in the directory.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
t_need setpriv python3 ldapsearch
AUTHD_POLICY_DIR=$T_DIR/review-policy
mkdir -m 755 "$AUTHD_POLICY_DIR"
cp "$(dirname "$0")/../fixtures/review.policy" "$AUTHD_POLICY_DIR/review.policy"
chmod 644 "$AUTHD_POLICY_DIR/review.policy"
export AUTHD_POLICY_DIR
authd_setup
pam_stack ekonomi "system=ekonomi"
authd_start

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# report ID: the campaign as JSON, in $T_DIR/report.json.
report() { authctl review report "$1" --format json -o "$T_DIR/report.json" --force >/dev/null; }
# jq_ok PYTHON-EXPR: evaluates over c (campaign) and items (list) of report.json.
jq_ok() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); c=d["campaign"]; items=d["items"]
def it(u, r=None):
    m=[i for i in items if i["user"]==u and (r is None or i["role"]==r)]
    return m[0] if m else {}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T_DIR/report.json" "$1"
}
# prove USER OFFSET: the two lines authctl --as reads (password, code).
prove() { printf 'Passw0rd-%s\n%s\n' "$1" "$(code "$1" "$2")"; }

# Real logins, earlier: bertil uses ekonomi; cecilia never does.
review_people

# --- starting: the security function only ----------------------------------
out=$(as_nobody "$AUTHCTL_BIN" review start ekonomi 2>&1)
check "an owner may not start a campaign" test $? -eq 1
check "and is told who may" grep -q "security function" <<<"$out"
check "a due date in the past is refused" not authctl review start ekonomi --due 2020-01-01
check "a malformed due date is refused" not authctl review start ekonomi --due 2026-13-45
check "an unknown system is refused" not authctl review start nosuch
check "nothing was started by the refusals" test "$(authctl review list --format csv | grep -c ekonomi)" -eq 0
check "review start ekonomi" authctl review start ekonomi --due "$(date -u -d "+60 days" +%F)"
check "review start arkiv" authctl review start arkiv

report 1
check "the snapshot has exactly the three holders" jq_ok \
	'sorted((i["user"], i["role"]) for i in items) == [("anna","anvandare"),("bertil","anvandare"),("cecilia","lon")]'
check "bertil's last login comes from the audit trail" jq_ok 'it("bertil")["last_login"] not in (None, "", 0, "never")'
check "bertil is not flagged inactive" jq_ok 'it("bertil")["inactive"] in (False, 0, "no")'
check "cecilia never logged in: flagged, revoke recommended" jq_ok \
	'it("cecilia")["inactive"] in (True, 1, "yes") and it("cecilia")["recommendation"].startswith("revoke")'
check "anna's own item goes to the security function" jq_ok 'it("anna")["decides"]=="security function" and it("bertil")["decides"]=="owner"'
check "the campaign names system, owner and classification" jq_ok \
	'c["system"]=="ekonomi" and c["owner"]=="anna" and c["classification"]=="C2 I3 A2"'

# --- deciding -------------------------------------------------------------
step_safe
out=$(setsid -w "$AUTHCTL_BIN" review decide 1 anna keep --as anna < <(prove anna 0) 2>&1)
check "the owner may not decide her own access (proved with password and code)" test $? -eq 1
check "and is told it is for the security function" grep -q "security function" <<<"$out"
out=$(setsid -w "$AUTHCTL_BIN" review decide 1 bertil keep --as orjan < <(prove orjan 0) 2>&1)
check "another directory user may not decide on ekonomi" test $? -eq 1
out=$(setsid -w "$AUTHCTL_BIN" review decide 1 bertil keep --as anna < <(printf 'wrong\n%s\n' "$(code anna 1)") 2>&1)
check "a wrong password proves nothing" test $? -eq 1
check "audit: the failed proof is an auth record" audit_has 'auth,deny,bad-password,anna,.*authctl-review'
step_safe
out=$(setsid -w "$AUTHCTL_BIN" review decide 1 bertil keep --as anna < <(prove anna 1) 2>&1)
check "the owner keeps bertil (proved with password and code)" test $? -eq 0
out=$(as_nobody "$AUTHCTL_BIN" review decide 1 cecilia revoke --comment "x" 2>&1)
check "the owner of arkiv may not act on ekonomi's review" test $? -eq 1
out=$(authctl review decide 1 cecilia revoke 2>&1)
check "revoke without a comment is refused" test $? -eq 1
check "and says a comment is required" grep -q "comment is required" <<<"$out"
out=$(authctl review decide 99 cecilia revoke --comment x 2>&1)
check "an unknown review id is refused" test $? -eq 1
out=$(authctl review decide 1 dag keep 2>&1)
check "a user not in the review is refused" test $? -eq 1
report 1
check "the refusals changed nothing" jq_ok \
	'it("cecilia").get("decision") in (None, "") and it("anna").get("decision") in (None, "")'

PAM_SERVICE=ekonomi expect_pam "before the revoke, cecilia's account is allowed" acct cecilia -e acct=PAM_SUCCESS
check "the security function revokes cecilia" authctl review decide 1 cecilia revoke --comment "slutat i lönegruppen"
PAM_SERVICE=ekonomi expect_pam "at once: cecilia is denied (LDAP still lists her)" acct cecilia -e acct=PAM_PERM_DENIED
check "audit: denied with revoked-in-review" audit_has 'account,deny,revoked-in-review,cecilia,ekonomi'
check "the record cites the review" audit_has 'account,deny,revoked-in-review,cecilia,.*review 1'
check "ldap still lists cecilia in hr-users" bash -c \
	"ldapsearch -x -LLL -H '$LDAP_URI' -D '$LDAP_BIND_DN' -w '$LDAP_BIND_PW' -b 'cn=hr-users,ou=groups,dc=exempel,dc=se' memberUid | grep -q 'memberUid: cecilia'"
# (The next step's code: this step's may have been used above.)
step_safe
PAM_SERVICE=ekonomi expect_pam "the kept user still logs in" "auth acct" bertil \
	-a "$(code bertil 1)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
out=$(authctl review decide 1 cecilia keep --comment x 2>&1)
check "deciding twice is refused" test $? -eq 1
check "and says so" grep -q "already decided" <<<"$out"

out=$(authctl review close 1 2>&1)
check "closing with an undecided item is refused" test $? -eq 1
check "and names the way out" grep -q -- "--default" <<<"$out"
check "the security function keeps anna" authctl review decide 1 anna keep --comment "ekonomichef"
out=$(as_nobody "$AUTHCTL_BIN" review decide 2 anna keep 2>&1)
check "keeping a user flagged inactive needs a comment" test $? -eq 1
check "the owner of arkiv keeps anna there (peer credentials)" as_nobody "$AUTHCTL_BIN" review decide 2 anna keep --comment "arkivarie"
check "audit: the owner is the actor" audit_has 'review-decide,keep,ok,anna,arkiv,.*nobody \(uid 65534'
check "review close 1" authctl review close 1
check "closing twice is refused" not authctl review close 1

report 1
check "report: exactly the decisions made" jq_ok \
	'sorted((i["user"], i["decision"]) for i in items) == [("anna","keep"),("bertil","keep"),("cecilia","revoke")]'
check "report: who decided" jq_ok \
	'it("bertil")["decided_by"].startswith("anna") and it("cecilia")["decided_by"]=="root"'
check "report: the comments" jq_ok 'it("cecilia")["comment"]=="slutat i lönegruppen"'
check "report: closed, with the chain head" jq_ok 'c["state"]=="closed" and not c["provisional"] and len(c["head_hash"])==64'
seq=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["campaign"]["head_seq"])' "$T_DIR/report.json")
hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["campaign"]["head_hash"])' "$T_DIR/report.json")
check "the chain head is the review-close record" bash -c \
	"'$AUTHCTL_BIN' audit show $seq | grep -q review-close && '$AUTHCTL_BIN' audit show $seq | grep -q $hash"
authctl review report 1 --format html -o "$T_DIR/report.html"
check "html report: self-contained" not grep -Eqi '<script|<link|https?://' "$T_DIR/report.html"
check "html report: the description escaped" grep -q 'Ekonomisystem &lt;test&gt; &amp; ' "$T_DIR/report.html"
check "every review action is on the record" bash -c \
	"'$AUTHCTL_BIN' audit list --format csv | grep -c 'review-' | awk '\$1 >= 7 { ok=1 } END { exit !ok }'"

check "revocation list shows cecilia" bash -c "'$AUTHCTL_BIN' revocation list ekonomi --format csv | grep -q cecilia"
check "lifting needs a comment" not authctl revocation lift ekonomi cecilia
check "an owner may not lift" not as_nobody "$AUTHCTL_BIN" revocation lift ekonomi cecilia --comment x
check "the security function lifts it" authctl revocation lift ekonomi cecilia --comment "fel person"
PAM_SERVICE=ekonomi expect_pam "after the lift cecilia is allowed again" acct cecilia -e acct=PAM_SUCCESS

# --- inactivity with the review clock 100 days on ------------------------
authd_stop
sed -i '/^review_time_offset/d' "$AUTHD_CONF"
echo "review_time_offset 8640000" >>"$AUTHD_CONF"
authd_start
check "a later campaign" authctl review start ekonomi
report 3
check "100 days on, bertil's login is too old: flagged" jq_ok 'it("bertil")["inactive"] in (True, 1, "yes")'
check "list --overdue: campaign 2 (due in 30 days) is now overdue" bash -c \
	"'$AUTHCTL_BIN' review list --overdue --format csv | grep -q arkiv"
check "authd logs overdue reviews" bash -c "sleep 6; grep -q 'is overdue' '$T_DIR/authd.log'"

# --- remediation in the directory ----------------------------------------
authd_stop
printf 'admin-secret\n' >"$T_DIR/write.pw"
chmod 600 "$T_DIR/write.pw"
sed -i '/^review_time_offset/d' "$AUTHD_CONF"
{ echo "ldap_write_dn cn=admin,dc=exempel,dc=se"; echo "ldap_write_password_file $T_DIR/write.pw"; } >>"$AUTHD_CONF"
authd_start
authctl review decide 3 bertil keep --comment "aktiv" >/dev/null
authctl review decide 3 anna keep --comment "chef" >/dev/null
check "revoke cecilia in campaign 3" authctl review decide 3 cecilia revoke --comment "ska bort ur gruppen"
check "close campaign 3 (with remediation)" authctl review close 3
check "slapd: hr-users lost cecilia" bash -c \
	"! ldapsearch -x -LLL -H '$LDAP_URI' -D '$LDAP_BIND_DN' -w '$LDAP_BIND_PW' -b 'cn=hr-users,ou=groups,dc=exempel,dc=se' memberUid | grep -q 'memberUid: cecilia'"
report 3
check "report: the remediation result per item" jq_ok '"removed from" in it("cecilia").get("remediation","")'

# A write identity without write rights: the failure is reported per item.
authd_stop
sed -i '/^ldap_write_dn/d' "$AUTHD_CONF"
echo "ldap_write_dn ${LDAP_BIND_DN}" >>"$AUTHD_CONF"
printf '%s\n' "$LDAP_BIND_PW" >"$T_DIR/write.pw"
authd_start
check "a fourth campaign" authctl review start ekonomi
authctl review decide 4 anna keep --comment "chef" >/dev/null
check "revoke bertil in campaign 4" authctl review decide 4 bertil revoke --comment "byter tjänst"
check "close campaign 4" authctl review close 4
report 4
check "report: the remediation failure is reported for bertil" jq_ok \
	'"Insufficient access" in it("bertil").get("remediation","")'
check "slapd: bertil still in finance-users" bash -c \
	"ldapsearch -x -LLL -H '$LDAP_URI' -D '$LDAP_BIND_DN' -w '$LDAP_BIND_PW' -b 'cn=finance-users,ou=groups,dc=exempel,dc=se' member | grep -q 'uid=bertil'"
check "audit: the failure is on the record" audit_has 'review-remediation,error,.*bertil'
check "authd stops cleanly" authd_stop
t_done
