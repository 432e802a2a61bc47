#!/usr/bin/env bash
# A local Keycloak 26 with the mfa-bridge provider, for trying the provider by hand and (later) for CI.
# The Keycloak tests (test/keycloak/) start it through this script when none is running, and configure a realm of their own.
#
#   scripts/keycloak/keycloak.sh fetch       unpack keycloak-quarkus-dist from Maven Central (cached in ~/.m2) into $KC_DIR
#   scripts/keycloak/keycloak.sh start       build the provider jar, copy it into providers/, start-dev on 127.0.0.1, wait ready
#   scripts/keycloak/keycloak.sh configure   realm, client (direct access grants), user, copies of the browser and direct
#                                            grant flows with the mfa-bridge steps, bound to the realm
#   scripts/keycloak/keycloak.sh stop        stop the Keycloak this script started (by its pid file)
#   scripts/keycloak/keycloak.sh up          fetch + start + configure
#
# Settings (environment): KC_VERSION (26.7.3), KC_DIR (/tmp/mfa-bridge-keycloak), KC_PORT (8080), KC_MANAGEMENT_PORT (9000),
# KC_JAVA_HOME (Temurin 25 if present: Keycloak 26.6+ runs on 25; 17 is deprecated), KC_ADMIN / KC_ADMIN_PASSWORD,
# KC_REALM (mfa), KC_CLIENT_ID (mfa-app), KC_REDIRECT_URI (http://127.0.0.1:3000/*), KC_USER / KC_USER_PASSWORD / KC_USER_EMAIL,
# BRIDGE_URL (http://127.0.0.1:3000), BRIDGE_CLIENT_ID (keycloak-main), BRIDGE_CLIENT_SECRET, BRIDGE_TIMEOUT_MS (3000).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KC_VERSION="${KC_VERSION:-26.7.3}"
KC_DIR="${KC_DIR:-/tmp/mfa-bridge-keycloak}"
KC_HOME="$KC_DIR/keycloak-$KC_VERSION"
KC_PORT="${KC_PORT:-8080}"
KC_MANAGEMENT_PORT="${KC_MANAGEMENT_PORT:-9000}"
KC_URL="http://127.0.0.1:$KC_PORT"
KC_ADMIN="${KC_ADMIN:-admin}"
KC_ADMIN_PASSWORD="${KC_ADMIN_PASSWORD:-admin-local-only}"
KC_REALM="${KC_REALM:-mfa}"
KC_CLIENT_ID="${KC_CLIENT_ID:-mfa-app}"
KC_REDIRECT_URI="${KC_REDIRECT_URI:-http://127.0.0.1:3000/*}"
KC_USER="${KC_USER:-jdoe}"
KC_USER_PASSWORD="${KC_USER_PASSWORD:-Password-1234}"
KC_USER_EMAIL="${KC_USER_EMAIL:-jdoe@example.com}"
BRIDGE_URL="${BRIDGE_URL:-http://127.0.0.1:3000}"
BRIDGE_CLIENT_ID="${BRIDGE_CLIENT_ID:-keycloak-main}"
BRIDGE_CLIENT_SECRET="${BRIDGE_CLIENT_SECRET:-}"
BRIDGE_TIMEOUT_MS="${BRIDGE_TIMEOUT_MS:-3000}"
PID_FILE="$KC_DIR/keycloak.pid"
LOG_FILE="$KC_DIR/keycloak.log"

say() { printf '[keycloak] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

java_home() {
  if [[ -n "${KC_JAVA_HOME:-}" ]]; then echo "$KC_JAVA_HOME"; return; fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    [[ -x "$candidate/bin/java" ]] && { echo "$candidate"; return; }
  done
  echo "${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
}

fetch() {
  if [[ -x "$KC_HOME/bin/kc.sh" ]]; then say "already unpacked: $KC_HOME"; return; fi
  mkdir -p "$KC_DIR"
  # Run from $KC_DIR: without a project the plugin writes its marker files under a literal "${project.basedir}" folder.
  (cd "$KC_DIR" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" -DoutputDirectory="$KC_DIR")
  [[ -x "$KC_HOME/bin/kc.sh" ]] || die "unpacked, but $KC_HOME/bin/kc.sh is missing"
}

start() {
  [[ -x "$KC_HOME/bin/kc.sh" ]] || fetch
  if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then say "already running (pid $(cat "$PID_FILE"))"; return; fi
  mvn -B -q -f "$REPO_ROOT/keycloak/pom.xml" package -DskipTests
  cp "$REPO_ROOT/keycloak/target/mfa-bridge-keycloak.jar" "$KC_HOME/providers/"
  # Each start is a fresh Keycloak: the dev H2 database in data/ would keep the last run's realm and flows.
  rm -rf "$KC_HOME/data"
  say "starting Keycloak $KC_VERSION on $KC_URL with $(java_home) (log: $LOG_FILE)"
  # setsid: its own process group, so stop can end it and everything it started, and nothing else.
  JAVA_HOME="$(java_home)" KC_BOOTSTRAP_ADMIN_USERNAME="$KC_ADMIN" KC_BOOTSTRAP_ADMIN_PASSWORD="$KC_ADMIN_PASSWORD" \
    setsid "$KC_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$KC_PORT" \
    --http-management-port="$KC_MANAGEMENT_PORT" --health-enabled=true >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  local started=$SECONDS
  until curl -fsS "http://127.0.0.1:$KC_MANAGEMENT_PORT/health/ready" >/dev/null 2>&1; do
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 30 "$LOG_FILE" >&2; die "Keycloak exited while starting"; }
    (( SECONDS - started < ${KC_START_TIMEOUT:-300} )) || { tail -n 30 "$LOG_FILE" >&2; die "not ready after ${KC_START_TIMEOUT:-300} s"; }
    sleep 2
  done
  grep -q "mfa-bridge" "$LOG_FILE" || die "ready, but the log never names the mfa-bridge provider"
  say "ready after $((SECONDS - started)) s"
}

stop() {
  [[ -f "$PID_FILE" ]] || { say "no pid file: nothing to stop"; return; }
  local pid; pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

# Master-realm admin tokens live 60 s: fetch one per call.
admin_token() {
  curl -fsS -d grant_type=password -d client_id=admin-cli --data-urlencode "username=$KC_ADMIN" \
    --data-urlencode "password=$KC_ADMIN_PASSWORD" "$KC_URL/realms/master/protocol/openid-connect/token" | jq -r .access_token
}

# api METHOD PATH [JSON]: prints the body; fails on a non-2xx status (409 "exists" is accepted, so configure can re-run).
api() {
  local method="$1" path="$2" body="${3:-}" out status
  out="$(mktemp)"
  status="$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $(admin_token)" \
    -H 'Content-Type: application/json' ${body:+--data "$body"} "$KC_URL/admin/realms$path")"
  if [[ "$status" != 2* && "$status" != 409 ]]; then cat "$out" >&2; rm -f "$out"; die "$method $path → HTTP $status"; fi
  cat "$out"; rm -f "$out"
}

# add_step FLOW_ALIAS PROVIDER_ID: appends a REQUIRED, configured mfa-bridge step to the flow's top level.
add_step() {
  local flow="$1" provider="$2" flow_path execution
  flow_path="$(jq -rn --arg a "$flow" '$a|@uri')"
  api POST "/$KC_REALM/authentication/flows/$flow_path/executions/execution" "{\"provider\":\"$provider\"}" >/dev/null
  execution="$(api GET "/$KC_REALM/authentication/flows/$flow_path/executions" |
    jq -r --arg p "$provider" '[.[] | select(.providerId == $p and .level == 0)][0].id')"
  [[ -n "$execution" && "$execution" != null ]] || die "no $provider step found in $flow"
  api PUT "/$KC_REALM/authentication/flows/$flow_path/executions" \
    "{\"id\":\"$execution\",\"requirement\":\"REQUIRED\"}" >/dev/null
  # Keycloak 26.7.3 gives a new step priority 0, i.e. FIRST (before the password: "requires user to be set").
  # Lower it until it is the last of the flow's top level.
  local siblings; siblings="$(api GET "/$KC_REALM/authentication/flows/$flow_path/executions" | jq '[.[] | select(.level == 0)] | length')"
  for _ in $(seq 1 "$siblings"); do
    api POST "/$KC_REALM/authentication/executions/$execution/lower-priority" >/dev/null
  done
  api GET "/$KC_REALM/authentication/flows/$flow_path/executions" |
    jq -e --arg p "$provider" '[.[] | select(.level == 0)] | last | .providerId == $p' >/dev/null ||
    die "could not move the $provider step to the end of $flow"
  api POST "/$KC_REALM/authentication/executions/$execution/config" "$(jq -n --arg alias "$provider-config" \
    --arg url "$BRIDGE_URL" --arg id "$BRIDGE_CLIENT_ID" --arg secret "$BRIDGE_CLIENT_SECRET" --arg t "$BRIDGE_TIMEOUT_MS" \
    '{alias:$alias, config:{bridgeUrl:$url, clientId:$id, clientSecret:$secret, timeoutMs:$t}}')" >/dev/null
}

# disable_conditional_otp FLOW_ALIAS: the copied flow's own OTP sub-flow would ask a second, unrelated code.
disable_conditional_otp() {
  local flow_path; flow_path="$(jq -rn --arg a "$1" '$a|@uri')"
  api GET "/$KC_REALM/authentication/flows/$flow_path/executions" |
    jq -c '.[] | select(.authenticationFlow == true and (.displayName | test("Conditional (OTP|2FA)")))' |
    while read -r sub; do
      api PUT "/$KC_REALM/authentication/flows/$flow_path/executions" \
        "$(jq -c '{id, requirement: "DISABLED"}' <<<"$sub")" >/dev/null
    done
}

configure() {
  [[ -n "$BRIDGE_CLIENT_SECRET" ]] || die "set BRIDGE_CLIENT_SECRET (from: mfa-bridge bridge client add $BRIDGE_CLIENT_ID --platform keycloak)"
  api POST "" "{\"realm\":\"$KC_REALM\",\"enabled\":true}" >/dev/null
  api POST "/$KC_REALM/clients" "$(jq -n --arg id "$KC_CLIENT_ID" --arg redirect "$KC_REDIRECT_URI" \
    '{clientId:$id, publicClient:true, directAccessGrantsEnabled:true, standardFlowEnabled:true,
      redirectUris:[$redirect]}')" >/dev/null
  # Names and a verified email: without them the grant fails "Account is not fully set up" (user profile).
  api POST "/$KC_REALM/users" "$(jq -n --arg u "$KC_USER" --arg p "$KC_USER_PASSWORD" --arg e "$KC_USER_EMAIL" \
    '{username:$u, enabled:true, email:$e, emailVerified:true, firstName:"Jane", lastName:"Doe",
      credentials:[{type:"password", value:$p, temporary:false}]}')" >/dev/null

  api POST "/$KC_REALM/authentication/flows/browser/copy" '{"newName":"mfa-browser"}' >/dev/null
  api POST "/$KC_REALM/authentication/flows/direct%20grant/copy" '{"newName":"mfa-direct-grant"}' >/dev/null
  disable_conditional_otp "mfa-browser"
  disable_conditional_otp "mfa-direct-grant"
  # The browser step goes into the "forms" sub-flow (after the password form); the cookie step must not skip it.
  local forms
  forms="$(api GET "/$KC_REALM/authentication/flows/mfa-browser/executions" |
    jq -r '[.[] | select(.authenticationFlow == true and .level == 0 and (.displayName | test("forms$")))][0].displayName')"
  [[ -n "$forms" && "$forms" != null ]] || die "no forms sub-flow in mfa-browser"
  add_step "$forms" mfa-bridge
  add_step "mfa-direct-grant" mfa-bridge-direct-grant
  api PUT "/$KC_REALM" '{"browserFlow":"mfa-browser","directGrantFlow":"mfa-direct-grant"}' >/dev/null
  say "configured realm $KC_REALM: client $KC_CLIENT_ID, user $KC_USER, flows mfa-browser and mfa-direct-grant → $BRIDGE_URL"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  configure) configure ;;
  stop) stop ;;
  up) fetch; start; configure ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
