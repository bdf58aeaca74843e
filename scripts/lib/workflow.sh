# shellcheck shell=bash
# Shared by scripts/DevReview, DevReviewQA and Planning (sourced, not run): sessions made and
# driven only through the agent/ tree, with plan9port's 9p when it is on the PATH, else
# `anvillm 9p` (the same verbs). The calling script sets, before wf_main:
#   WF_NAME       its name, for messages
#   WF_ROLES      role names, in creation order (each session's alias is <prefix>-<role>)
#   WF_FIRST      the role the task goes to
#   WF_VERDICTS   the roles whose messages are verdicts (each one is a round)
#   WF_FINAL      the role whose approval ends the workflow, and WF_WORD the word it begins with
# and defines wf_context ROLE (prints that role's context, $WF_PREFIX set).

WF_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WF_ANVILLM=${ANVILLM:-$WF_LIB/../../bin/anvillm}
WF_PREFIX_WORDS=(anvil forge ember tongs quench temper bellows flux rivet ingot chisel hearth billet slag smelt)
WF_ID_RE='^[0-9a-f]{8}$'

# 9p, or anvillm 9p: the same verbs and output.
ninep() {
	if command -v 9p >/dev/null 2>&1; then 9p "$@"; else "$WF_ANVILLM" 9p "$@"; fi
}

# As ninep, but replaces this (sub)shell, so that $! of a process substitution is the client itself.
ninep_exec() {
	if command -v 9p >/dev/null 2>&1; then exec 9p "$@"; else exec "$WF_ANVILLM" 9p "$@"; fi
}

# The message, one line whatever it quotes: control characters (a newline in an argument) shown as '?'.
wf_line() {
	local m="$*"
	printf '%s\n' "${m//[[:cntrl:]]/?}"
}

wf_die() {
	wf_line "$WF_NAME: $*" >&2
	exit 1
}

wf_usage_error() {
	wf_line "$WF_NAME: $*; see $WF_NAME --help" >&2
	exit 2
}

# One word for a ctl line: single quotes, a quote inside written '"'"' (ctl files join touching parts, as sh does).
ctl_quote() {
	local q="'\"'\"'"
	printf "'%s'" "${1//\'/$q}"
}

# Creates a session: backend $1, dir $2, alias $3; prints its id, learned on the ctl fid that made it.
wf_new() {
	local out err id line
	err=$(mktemp)
	out=$(printf 'new %s %s alias=%s\n' "$(ctl_quote "$1")" "$(ctl_quote "$2")" "$3" | ninep rdwr agent/ctl 2>"$err") || true
	id=
	while IFS= read -r line; do
		if [[ $line =~ $WF_ID_RE ]]; then id=$line; fi
	done <<<"$out"
	if [ -z "$id" ]; then
		line=$(head -n 1 "$err")
		rm -f "$err"
		wf_die "cannot create $3: ${line#write: }"
	fi
	rm -f "$err"
	printf '%s\n' "$id"
}

# Writes stdin, whole, to agent/$1; fails with the daemon's line.
wf_write() {
	local err
	if ! err=$(ninep write "agent/$1" 2>&1 >/dev/null); then wf_die "writing agent/$1: ${err#9p: }"; fi
}

# The id of the live session with alias $1, or nothing.
wf_id_of() {
	local id alias rest
	while IFS=$'\t' read -r id alias rest; do
		if [ "$alias" = "$1" ]; then printf '%s\n' "$id"; fi
	done < <(ninep read agent/list 2>/dev/null)
}

# A prefix no live session uses yet.
wf_random_prefix() {
	local p i
	for i in 1 2 3 4 5 6 7 8; do
		p=${WF_PREFIX_WORDS[RANDOM % ${#WF_PREFIX_WORDS[@]}]}
		if [ "$i" -gt 4 ]; then p=$p$((RANDOM % 100)); fi
		if [ -z "$(wf_id_of "$p-${WF_ROLES[0]}")" ]; then
			printf '%s\n' "$p"
			return
		fi
	done
	printf '%s\n' "$p$$"
}

# Seconds from "90", "90s", "15m" or "2h" (at most 9 digits, so that no product overflows); fails on anything else.
wf_seconds() {
	if ! [[ $1 =~ ^([0-9]{1,9})([smh]?)$ ]]; then return 1; fi
	local n=$((10#${BASH_REMATCH[1]}))
	case ${BASH_REMATCH[2]} in
	h) echo $((n * 3600)) ;;
	m) echo $((n * 60)) ;;
	*) echo "$n" ;;
	esac
}

# ---- following a running workflow --------------------------------------------------------------

# The first line of $1 cut to 200 characters: one hand-off line.
first_line() {
	local l=${1%%$'\n'*}
	printf '%s' "${l:0:200}"
}

# Follows agent/$2/log (session alias $1) and writes to fd 3 one line per entry worth telling:
#   H <from> <to> <first line>   a prompt arrived (from "user", or from the agent that wrote it)
#   A <alias> <first line>       the agent answered
#   G <alias>                    the session is gone
# A daemon restart ends the read: it starts again, skipping the entries already told.
follow_log() {
	local alias=$1 id=$2 seen=0 n line header='' reader=''
	trap 'if [ -n "$reader" ]; then kill "$reader" 2>/dev/null; fi; exit 0' TERM
	# ready once the daemon has answered this follower: the task waits for every one of them, so
	# that what happens after it is told in the order it happens
	ninep stat "agent/$id/state" >/dev/null 2>&1 || true
	printf 'R\t%s\n' "$alias" >&3
	while :; do
		n=0
		exec 4< <(ninep_exec read "agent/$id/log" 2>/dev/null)
		reader=$!
		while IFS= read -r -u 4 line; do
			case $line in
			"USER: "* | "ASSISTANT: "* | "EVENT: "*) n=$((n + 1)) ;;
			*)
				if [ -n "$header" ] && [ "$n" -gt "$seen" ]; then
					printf 'H\t%s\t%s\t%s\n' "$header" "$alias" "$(first_line "$line")" >&3
				fi
				header=
				continue
				;;
			esac
			header=
			if [ "$n" -le "$seen" ]; then continue; fi
			case $line in
			"USER: [message from agent "*"; to answer, write to agent/"*"/in]")
				header=${line#"USER: [message from agent "}
				header=${header%%;*}
				header=${header%% (*}
				;;
			"USER: "*) printf 'H\tuser\t%s\t%s\n' "$alias" "$(first_line "${line#USER: }")" >&3 ;;
			"ASSISTANT: "*) printf 'A\t%s\t%s\n' "$alias" "$(first_line "${line#ASSISTANT: }")" >&3 ;;
			esac
		done
		exec 4<&-
		wait "$reader" 2>/dev/null || true
		reader=
		if [ "$n" -gt "$seen" ]; then seen=$n; fi
		# EOF: killed, or the daemon went away (then the read fails until it is back). The daemon
		# answers only once it has restored every session: when it answers, a session missing is gone
		if ninep stat agent/list >/dev/null 2>&1; then
			if ninep stat "agent/$id/state" >/dev/null 2>&1; then continue; fi
			printf 'G\t%s\n' "$alias" >&3
			return
		fi
		sleep 1
	done
}

# Follows agent/events and writes to fd 3 what a person watching must know:
#   N <alias> <what>   a session waits for a human, is in error, or restarted
follow_events() {
	local line reader='' ts id event detail alias
	trap 'if [ -n "$reader" ]; then kill "$reader" 2>/dev/null; fi; exit 0' TERM
	while :; do
		exec 5< <(ninep_exec read agent/events 2>/dev/null)
		reader=$!
		while IFS= read -r -u 5 line; do
			read -r ts id event detail <<<"$line"
			if [ "$ts" = state ]; then continue; fi # the live sessions' states at open
			alias=${WF_ALIAS_OF[$id]:-}
			if [ -z "$alias" ]; then continue; fi
			case $event/$detail in
			state/waiting) printf 'N\t%s\t%s\n' "$alias" "waits for a human: anvillm attach $alias" >&3 ;;
			state/error) printf 'N\t%s\t%s\n' "$alias" "is in error: 9p read agent/$alias/info" >&3 ;;
			restarted/*) printf 'N\t%s\t%s\n' "$alias" "restarted ($detail)" >&3 ;;
			esac
		done
		exec 5<&-
		wait "$reader" 2>/dev/null || true
		reader=
		sleep 1
	done
}

# Sends the task (--task or --task-file), once, to the first role.
wf_send_task() {
	if [ -n "${WF_TASK:-}" ]; then
		printf '%s\n' "$WF_TASK" | wf_write "${WF_IDS[$WF_FIRST]}/in"
	elif [ -n "${WF_TASK_FILE:-}" ]; then
		wf_write "${WF_IDS[$WF_FIRST]}/in" <"$WF_TASK_FILE"
	fi
	WF_TASK=
	WF_TASK_FILE=
}

# Prints the hand-offs of the workflow's sessions as they happen; returns 0 when $WF_FINAL
# approves, 1 when the rounds or the time run out (or every session is gone).
wf_wait() {
	local dir fifo kind a b c verdicts=0 left deadline gone=0 pids=() role ready=0
	dir=$(mktemp -d)
	fifo=$dir/q
	mkfifo "$fifo"
	exec 3<>"$fifo"
	rm -rf "$dir"
	for role in "${WF_ROLES[@]}"; do
		follow_log "$WF_PREFIX-$role" "${WF_IDS[$role]}" &
		pids+=("$!")
	done
	follow_events &
	pids+=("$!")
	# shellcheck disable=SC2064 # the pids are known now
	trap "kill ${pids[*]} 2>/dev/null; wait 2>/dev/null" EXIT
	deadline=$((SECONDS + WF_TIMEOUT))
	while :; do
		left=$((deadline - SECONDS))
		if [ "$left" -le 0 ]; then
			echo "$WF_NAME: no approval within ${WF_TIMEOUT}s; sessions left for inspection: $(wf_aliases)"
			return 1
		fi
		if ! IFS=$'\t' read -r -t "$left" -u 3 kind a b c; then continue; fi
		case $kind in
		R)
			ready=$((ready + 1))
			if [ "$ready" -eq "${#WF_ROLES[@]}" ]; then wf_send_task; fi
			;;
		H)
			printf '%s -> %s: %s\n' "$a" "$b" "$c"
			if ! wf_is_verdict "$a"; then continue; fi
			verdicts=$((verdicts + 1))
			if [ "$a" = "$WF_PREFIX-$WF_FINAL" ] && wf_approves "$c"; then
				echo "approved: $a said $WF_WORD after $verdicts round(s)"
				return 0
			fi
			if [ "$verdicts" -ge "$WF_ROUNDS" ]; then
				echo "$WF_NAME: not approved after $verdicts round(s) (--rounds $WF_ROUNDS); sessions left for inspection: $(wf_aliases)"
				return 1
			fi
			;;
		A)
			if [ "$a" = "$WF_PREFIX-$WF_FINAL" ] && wf_approves "$b"; then
				echo "approved: $a answered $WF_WORD after $((verdicts + 1)) round(s)"
				return 0
			fi
			;;
		N) echo "note: $a $b" ;;
		G)
			echo "note: $a is gone"
			gone=$((gone + 1))
			if [ "$gone" -ge "${#WF_ROLES[@]}" ]; then
				echo "$WF_NAME: every session of the workflow is gone"
				return 1
			fi
			;;
		esac
	done
}

wf_is_verdict() {
	local r
	for r in "${WF_VERDICTS[@]}"; do
		if [ "$1" = "$WF_PREFIX-$r" ]; then return 0; fi
	done
	return 1
}

# Whether a first line begins with the approval word (after blanks, quotes or markup).
wf_approves() {
	local l=$1
	l=${l#"${l%%[![:space:]\"\'\`*#>]*}"}
	[[ $l == "$WF_WORD"* ]]
}

wf_aliases() {
	local r out=
	for r in "${WF_ROLES[@]}"; do out+="${out:+ }$WF_PREFIX-$r"; done
	printf '%s' "$out"
}

wf_cleanup() {
	local r
	for r in "${WF_ROLES[@]}"; do
		if [ -n "${WF_IDS[$r]:-}" ]; then echo kill | ninep write "agent/${WF_IDS[$r]}/ctl" 2>/dev/null || true; fi
	done
}

# ---- the command line ---------------------------------------------------------------------------

wf_help() {
	cat <<USAGE
Usage: $WF_NAME <backend> <dir> [--prefix NAME] [--task TEXT | --task-file FILE] [--wait] [--rounds N] [--timeout T] [--cleanup]
       $WF_NAME --follow PREFIX [--rounds N] [--timeout T] [--cleanup]

$WF_SUMMARY

Sessions (one per role, each in <dir>, aliases <prefix>-<role>): $(printf '%s ' "${WF_ROLES[@]}")
  --prefix NAME      alias prefix (default: a random word)
  --task TEXT        the first prompt, sent to <prefix>-$WF_FIRST
  --task-file FILE   the first prompt, from a file
  --wait             follow the hand-offs, printing each (from -> to: first line); exit 0 when
                     <prefix>-$WF_FINAL approves (a message beginning $WF_WORD), 1 when the rounds or
                     the time run out, leaving the sessions for inspection
  --follow PREFIX    --wait on a workflow already running under PREFIX
  --rounds N         verdicts (messages from $(printf '<prefix>-%s ' "${WF_VERDICTS[@]}")) before giving up (default 5)
  --timeout T        give up after T seconds (or 15m, 2h; default 1h)
  --cleanup          kill the workflow's sessions at the end
  --help             this help

Driven through the agent/ tree with 9p (plan9port's when on the PATH, else anvillm 9p); the daemon
is found through \$NAMESPACE. Exit: 0 approved (or created, without --wait), 1 not approved or a
failure, 2 a usage error.
USAGE
}

wf_main() {
	local backend='' dir='' task='' task_file='' wait=0 follow='' cleanup=0 rc=0 role positional=()
	WF_ROUNDS=5
	WF_TIMEOUT=3600
	WF_PREFIX=
	while [ $# -gt 0 ]; do
		case $1 in
		-h | --help)
			wf_help
			exit 0
			;;
		--prefix | --task | --task-file | --follow | --rounds | --timeout)
			if [ $# -lt 2 ]; then wf_usage_error "$1 needs a value"; fi
			case $1 in
			--prefix) WF_PREFIX=$2 ;;
			--task) task=$2 ;;
			--task-file) task_file=$2 ;;
			--follow) follow=$2 ;;
			--rounds) WF_ROUNDS=$2 ;;
			--timeout) WF_TIMEOUT=$(wf_seconds "$2") || wf_usage_error "--timeout takes seconds, or 15m, 2h: '$2'" ;;
			esac
			shift 2
			;;
		--wait) wait=1 && shift ;;
		--cleanup) cleanup=1 && shift ;;
		--) shift && positional+=("$@") && break ;;
		-*) wf_usage_error "unknown option $1" ;;
		*) positional+=("$1") && shift ;;
		esac
	done
	if ! [[ $WF_ROUNDS =~ ^[1-9][0-9]{0,3}$ ]]; then wf_usage_error "--rounds takes a number from 1: '$WF_ROUNDS'"; fi
	if [ -n "$task" ] && [ -n "$task_file" ]; then wf_usage_error "--task and --task-file: give one"; fi
	if [ -n "$task_file" ] && [ ! -r "$task_file" ]; then wf_usage_error "cannot read --task-file $task_file"; fi
	declare -gA WF_IDS=() WF_ALIAS_OF=()
	if [ -n "$follow" ]; then
		if [ ${#positional[@]} -ne 0 ] || [ -n "$task$task_file$WF_PREFIX" ]; then
			wf_usage_error "--follow takes no backend, dir, --prefix or task"
		fi
		if ! [[ $follow =~ ^[A-Za-z0-9_-]{1,40}$ ]]; then wf_usage_error "--follow takes a prefix, 1-40 of A-Za-z0-9_-: '$follow'"; fi
		WF_PREFIX=$follow
		for role in "${WF_ROLES[@]}"; do
			WF_IDS[$role]=$(wf_id_of "$WF_PREFIX-$role")
			if [ -z "${WF_IDS[$role]}" ]; then wf_die "no session $WF_PREFIX-$role: is $WF_PREFIX a running $WF_NAME workflow? (9p read agent/list)"; fi
		done
		wait=1
	else
		if [ ${#positional[@]} -ne 2 ]; then wf_usage_error "needs <backend> and <dir>"; fi
		backend=${positional[0]}
		dir=${positional[1]}
		# both go on a ctl line (quoted): a newline there would end it and begin another command
		if [[ $backend =~ [[:space:][:cntrl:]] ]] || [ -z "$backend" ]; then
			wf_usage_error "a backend is one word, with no blanks or control characters: '$backend'"
		fi
		if [[ $dir =~ [[:cntrl:]] ]]; then wf_usage_error "a directory name with a newline or other control character cannot go on a ctl line"; fi
		if [ ! -d "$dir" ]; then wf_usage_error "no directory $dir"; fi
		dir=$(cd "$dir" && pwd -P)
		if [ -z "$WF_PREFIX" ]; then WF_PREFIX=$(wf_random_prefix); fi
		if ! [[ $WF_PREFIX =~ ^[A-Za-z0-9_-]{1,40}$ ]] || [[ $WF_PREFIX =~ ^[0-9a-f]{8}$ ]]; then
			wf_usage_error "--prefix takes 1-40 of A-Za-z0-9_- (not an id): '$WF_PREFIX'"
		fi
		for role in "${WF_ROLES[@]}"; do
			WF_IDS[$role]=$(wf_new "$backend" "$dir" "$WF_PREFIX-$role")
			wf_context "$role" | wf_write "${WF_IDS[$role]}/context"
			echo "$WF_PREFIX-$role ${WF_IDS[$role]}"
		done
		WF_TASK=$task
		WF_TASK_FILE=$task_file
		# with --wait, the task goes once every follower is reading (wf_wait)
		if [ "$wait" = 0 ]; then wf_send_task; fi
	fi
	for role in "${WF_ROLES[@]}"; do WF_ALIAS_OF[${WF_IDS[$role]}]=$WF_PREFIX-$role; done
	if [ "$wait" = 1 ]; then
		wf_wait || rc=$?
	fi
	if [ "$cleanup" = 1 ]; then wf_cleanup; fi
	exit "$rc"
}
