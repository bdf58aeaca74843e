# shellcheck shell=bash
# Shared by bin/anvilsrv, bin/anvillm, bin/anvilweb, acme/Assist and bin/test (sourced, not run): find a JDK 25 and
# build the project when its jar is missing or older than the sources.

ANVILLM_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ANVILLM_JAR=$ANVILLM_HOME/srv/target/anvillm.jar
# the front-end commands (anvillm: the TUI, attach, 9p), without the daemon's classes
ANVILLM_TUI_JAR=$ANVILLM_HOME/tui/target/anvillm-tui.jar
# the web UI (anvilweb), also without the daemon's classes
ANVILLM_WEB_JAR=$ANVILLM_HOME/web/target/anvilweb.jar
# Assist, the Acme client (acme/Assist)
ANVILLM_ACME_JAR=$ANVILLM_HOME/acme/target/anvillm-acme.jar

# The major version of the java in JDK dir $1, or nothing.
java_major() {
	"$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# A JDK (java and javac) of version 25 or later: $JAVA_HOME if it is one, else /usr/lib/jvm/*25*.
find_jdk() {
	local d v
	for d in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*25*; do
		if [ ! -x "$d/bin/java" ] || [ ! -x "$d/bin/javac" ]; then continue; fi
		v=$(java_major "$d")
		if [ "${v:-0}" -ge 25 ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# Sets JDK or exits with one line naming program $1.
need_jdk() {
	JDK=$(find_jdk) || {
		echo "$1: needs JDK 25; set JAVA_HOME or install one under /usr/lib/jvm" >&2
		exit 1
	}
}

# True when a jar is missing or a pom or main source is newer than it.
jar_is_stale() {
	local jar
	for jar in "$ANVILLM_JAR" "$ANVILLM_TUI_JAR" "$ANVILLM_WEB_JAR" "$ANVILLM_ACME_JAR"; do
		[ -f "$jar" ] || return 0
		[ -z "$(find "$ANVILLM_HOME/pom.xml" "$ANVILLM_HOME"/*/pom.xml "$ANVILLM_HOME"/*/src/main \
			-newer "$jar" -print -quit 2>/dev/null)" ] || return 0
	done
	return 1
}

# Builds the jar with $JDK when it is stale; program $1 names itself in messages.
ensure_built() {
	jar_is_stale || return 0
	command -v mvn >/dev/null || {
		echo "$1: needs Maven to build anvillm; install it (apt-get install maven)" >&2
		exit 1
	}
	mkdir -p "$ANVILLM_HOME/srv/target"
	# One build at a time: two launchers started together would otherwise build over each other.
	exec 9>"$ANVILLM_HOME/srv/target/.build.lock"
	command -v flock >/dev/null && flock 9
	if jar_is_stale; then
		if [ -f "$ANVILLM_JAR" ]; then
			echo "building anvillm (sources changed)..." >&2
		else
			echo "building anvillm (first run)..." >&2
		fi
		local out
		out=$(mktemp)
		if ! (cd "$ANVILLM_HOME" && JAVA_HOME=$JDK mvn -q -B -DskipTests package) >"$out" 2>&1; then
			cat "$out" >&2
			rm -f "$out"
			echo "$1: the build failed (output above); to retry: cd $ANVILLM_HOME && mvn -DskipTests package" >&2
			exit 1
		fi
		rm -f "$out"
	fi
	exec 9>&-
}

# Java names files in the locale's character set, so outside a UTF-8 locale it cannot even open
# a path with a non-ASCII character (a home directory named José). Then the character type (only
# it) becomes C.UTF-8; it reaches the daemon's tmux and the sessions too.
utf8_locale() {
	[ "$(locale charmap 2>/dev/null)" = UTF-8 ] && return 0
	if [ -n "${LC_ALL:-}" ]; then export LC_ALL=C.UTF-8; else export LC_CTYPE=C.UTF-8; fi
}

# The class archive of program $2 (a main class's short name) in jar $1:
# <jar>-<program>-<mtime>-<size>.jsa; its archives of earlier builds are removed.
class_archive() {
	local jar=$1 program=$2 jsa
	jsa="${jar%.jar}-$program-$(stat -c %Y-%s "$jar").jsa"
	if [ ! -f "$jsa" ]; then
		find "$(dirname "$jar")" -maxdepth 1 -name "$(basename "${jar%.jar}")-$program-*.jsa" -delete 2>/dev/null || true
	fi
	echo "$jsa"
}

# Runs main class $2 of the jar with the remaining arguments, as program $1.
run_main() {
	local prog=$1 main=$2
	shift 2
	need_jdk "$prog"
	ensure_built "$prog"
	local jvm=() jar=$ANVILLM_JAR
	# the daemon's own JVM options live in one argfile (bin/lib/anvilsrv.jvm)
	if [ "$main" = dev.anvillm.srv.Anvilsrv ]; then jvm=("@$ANVILLM_HOME/bin/lib/anvilsrv.jvm"); fi
	case $main in dev.anvillm.tui.* | dev.anvillm.ninep.*)
		jar=$ANVILLM_TUI_JAR
		# the classes they load, archived by the first run and mapped by the next ones (a faster
		# start); named after the jar's build, since the JVM does not replace an archive of another
		local jsa
		jsa=$(class_archive "$jar" "${main##*.}")
		jvm=("@$ANVILLM_HOME/bin/lib/anvillm.jvm" -XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$jsa")
		;;
	dev.anvillm.web.*)
		jar=$ANVILLM_WEB_JAR
		jvm=("@$ANVILLM_HOME/bin/lib/anvilweb.jvm")
		;;
	dev.anvillm.acme.*)
		jar=$ANVILLM_ACME_JAR
		# a front-end too: the same small, quick-starting JVM as anvillm's
		jvm=("@$ANVILLM_HOME/bin/lib/anvillm.jvm")
		;;
	esac
	utf8_locale
	exec "$JDK/bin/java" "${jvm[@]}" --enable-native-access=ALL-UNNAMED -Danvillm.home="$ANVILLM_HOME" -cp "$jar" "$main" "$@"
}
