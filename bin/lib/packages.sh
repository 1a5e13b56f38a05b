# Sourced by bin/test (and so by .ci/run, which calls it): the one list of Debian packages whose tools the lab
# tests exec, and their installation. A lab test whose tool is still missing afterwards skips with the reason.
HFTFW_TEST_PACKAGES=(conntrack conntrackd nftables iptables iproute2 tcpdump apache2-utils kmod procps python3 keepalived prometheus gcc libc6-dev)

# Installs the missing packages when it can: as root, with apt-get, online. Otherwise it says which are missing
# and carries on. HFTFW_NO_INSTALL=1 leaves the machine as it is.
install_test_packages() {
    local missing=() p
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "bin/test: not a Debian system; lab tests whose tools are not on PATH will be skipped" >&2
        return 0
    fi
    for p in "${HFTFW_TEST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if [ "${HFTFW_NO_INSTALL:-0}" = 1 ]; then
        echo "bin/test: HFTFW_NO_INSTALL=1, not installing ${missing[*]}; lab tests that need them will be skipped" >&2
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "bin/test: missing ${missing[*]} and cannot install (needs root and apt-get);" \
             "lab tests that need them will be skipped" >&2
        return 0
    fi
    echo "bin/test: installing ${missing[*]}" >&2
    # bounded: an offline machine or a held dpkg lock ends in a warning, not a hang
    local apt=(apt-get -qq -o Acquire::Retries=1 -o Acquire::http::Timeout=20 -o DPkg::Lock::Timeout=120)
    if ! { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update &&
           DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${missing[@]}" >/dev/null; }; then
        echo "bin/test: could not install ${missing[*]} (offline?); lab tests that need them will be skipped" >&2
    fi
}
