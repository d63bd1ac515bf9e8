#!/usr/bin/env bash
# Make `prometheus` and `promtool` available for the deployment tests (Debian's `prometheus`
# package ships both). Idempotent: returns at once when both are already on PATH.
#
# Never fails the build: when it cannot install (not root and no password-less sudo, no apt-get,
# no package candidate, no registry) it says why and exits 0; the tests that need the binaries
# then skip with that reason.
set -u

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi

say() { echo "install-prometheus: $*" >&2; }

if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get not found; install prometheus/promtool by hand (deployment tests will skip)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    say "not root and no password-less sudo; run 'apt-get install prometheus' as root"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Other jobs may hold the dpkg lock for a while; wait instead of failing.
apt_opts=(-q -o DPkg::Lock::Timeout=300)

has_candidate() {
    apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'
}

if ! has_candidate; then
    say "no package candidate yet; running apt-get update"
    "${as_root[@]}" apt-get "${apt_opts[@]}" update >/dev/null || true
fi
if ! has_candidate; then
    say "no 'prometheus' package in the configured apt sources (deployment tests will skip)"
    exit 0
fi

say "installing Debian's prometheus package (prometheus + promtool)"
# In containers policy-rc.d keeps the packaged service from starting; on a host with systemd
# Debian starts it on :9090. The tests never use it: they run their own on a random port.
install() {
    "${as_root[@]}" apt-get "${apt_opts[@]}" install -y --no-install-recommends prometheus \
        >>/tmp/install-prometheus.log 2>&1
}
# A stale package list fails with 404s: refresh it once and try again.
if ! install && ! { "${as_root[@]}" apt-get "${apt_opts[@]}" update >/dev/null 2>&1 && install; }
then
    say "apt-get install failed (see /tmp/install-prometheus.log; deployment tests will skip)"
    exit 0
fi

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    say "installed: $(prometheus --version 2>&1 | head -n 1)"
else
    say "package installed but binaries not on PATH (deployment tests will skip)"
fi
exit 0
