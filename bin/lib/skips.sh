# Sourced by bin/test: lists the tests this run skipped and why (surefire prints only a count), read from the
# surefire XML reports written after the marker file $1.
report_skips() {
    local marker=$1 reports
    reports=$(find "$ROOT" -path '*/target/surefire-reports/TEST-*.xml' -newer "$marker" 2>/dev/null | sort)
    [ -n "$reports" ] || return 0
    # shellcheck disable=SC2086
    awk '
        /<testcase / {
            match($0, / name="[^"]*"/); test = substr($0, RSTART + 7, RLENGTH - 8)
            match($0, / classname="[^"]*"/); cls = substr($0, RSTART + 12, RLENGTH - 13)
        }
        /<skipped/ {
            if (match($0, /message="[^"]*"/)) { why = substr($0, RSTART + 9, RLENGTH - 10) }
            else { why = $0; sub(/.*CDATA\[/, "", why); sub(/^[A-Za-z0-9_.]*: /, "", why); sub(/^Assumption failed: /, "", why) }
            n++; lines[n] = "  " cls "." test ": " why
        }
        END {
            if (n == 0) exit
            print "Skipped tests (" n "):"
            for (i = 1; i <= n; i++) print lines[i]
        }' $reports
}
