#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (containerd, runc, haproxy, ...), the
# packaging tools the package tests use (rpm, lintian, systemd-analyze), Prometheus for the monitoring tests, what
# the booted tests need (debootstrap, systemd-nspawn), a font for the scale charts, and containerd 2.1 from Debian
# sid, unpacked privately.
# Idempotent: does nothing when every command is already present.
set -euo pipefail

# command -> Debian package providing it
declare -A PACKAGE_OF=(
  [containerd]=containerd
  [ctr]=containerd
  [containerd-shim-runc-v2]=containerd
  [runc]=runc
  [haproxy]=haproxy
  [busybox]=busybox-static
  [socat]=socat
  [openssl]=openssl
  [tar]=tar
  # packaging/: building and checking the .deb and .rpm, and the systemd unit
  [rpm]=rpm
  [rpmbuild]=rpm
  [lintian]=lintian
  [dpkg-deb]=dpkg
  [deb-systemd-helper]=init-system-helpers
  [systemd-analyze]=systemd
  # monitoring/: promtool checks and unit-tests the alert rules; a real Prometheus scrapes the agent
  [prometheus]=prometheus
  [promtool]=prometheus
  # tests/scale: the charts' text needs fontconfig and a font (the JDK has none of its own)
  [fc-list]=fontconfig
)

# runc and haproxy live in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
for cmd in "${!PACKAGE_OF[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    pkg="${PACKAGE_OF[$cmd]}"
    echo "missing: $cmd (package $pkg)"
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done

# The Prometheus text checks run Debian's reference parser with Debian's own python3 (not one on PATH).
if ! /usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1; then
  echo "missing: python module prometheus_client for /usr/bin/python3 (package python3-prometheus-client)"
  missing+=(python3-prometheus-client)
fi

if [[ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
  echo "missing: a font for the scale charts (package fonts-dejavu-core)"
  missing+=(fonts-dejavu-core)
fi

# systemd-socket-activate hands the agent a listening socket, as systemd's socket units do.
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
  [[ " ${missing[*]} " == *" systemd "* ]] || missing+=(systemd)
fi

# The booted tests (tests/.../booted) build a Debian root with debootstrap and boot it with systemd-nspawn. Their
# recommends are left out: libnss-mymachines would add itself to this host's /etc/nsswitch.conf.
no_recommends=()
for pair in debootstrap:debootstrap systemd-nspawn:systemd-container nsenter:util-linux setsid:util-linux; do
  cmd="${pair%%:*}" pkg="${pair#*:}"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    echo "missing: $cmd (package $pkg)"
    [[ " ${no_recommends[*]} " == *" $pkg "* ]] || no_recommends+=("$pkg")
  fi
done

# The tests copy /bin/busybox into an image: it must be the static build, not a dynamic busybox.
if command -v busybox >/dev/null 2>&1 && ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "busybox is present but not busybox-static"
  [[ " ${missing[*]} " == *" busybox-static "* ]] || missing+=(busybox-static)
fi

# containerd 2.x, a runtime that serves only CRI v1 (the gateway's bridging is tested against it): Debian sid's
# package, unpacked privately under /opt/oneinfra-tests. The system's apt state is left alone: a private sources
# list (the machine's own mirror, read from its sources at run time), private lists and cache.
CONTAINERD2_VERSION=2.1.9+ds1-5
CONTAINERD2_DIR=/opt/oneinfra-tests/containerd-${CONTAINERD2_VERSION%%+*}
install_containerd2() {
  local work uris
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [[ -z "$uris" ]]; then
    uris=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  if [[ -z "$uris" ]]; then
    echo "cannot find this machine's Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list" >&2
    return 1
  fi
  mkdir -p "$work"/{sources,lists/partial,cache/archives/partial,deb}
  printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uris" > "$work/sources/sid.sources"
  local apt=(apt-get -q -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$work/sources"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  "${apt[@]}" update >/dev/null
  (cd "$work/deb" && "${apt[@]}" download "containerd=$CONTAINERD2_VERSION" >/dev/null)
  rm -rf "$CONTAINERD2_DIR.partial"
  mkdir -p "$CONTAINERD2_DIR.partial"
  dpkg-deb -x "$work"/deb/containerd_*.deb "$CONTAINERD2_DIR.partial"
  rm -rf "$CONTAINERD2_DIR"
  mv "$CONTAINERD2_DIR.partial" "$CONTAINERD2_DIR"
  echo "installed: containerd $CONTAINERD2_VERSION (Debian sid) in $CONTAINERD2_DIR"
}
ensure_containerd2() {
  [[ -x "$CONTAINERD2_DIR/usr/bin/containerd" ]] && return 0
  if ((EUID != 0)); then
    echo "need root to install containerd $CONTAINERD2_VERSION into $CONTAINERD2_DIR" >&2
    return 1
  fi
  install_containerd2
}

if ((${#missing[@]} == 0 && ${#no_recommends[@]} == 0)); then
  echo "all Debian test dependencies present"
  ensure_containerd2
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "need root to install ${missing[*]}: run as root or install sudo" >&2
    exit 1
  fi
fi

echo "installing: ${missing[*]} ${no_recommends[*]}"
"${sudo[@]}" apt-get update
if ((${#missing[@]} > 0)); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
if ((${#no_recommends[@]} > 0)); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${no_recommends[@]}"
fi
echo "installed: ${missing[*]} ${no_recommends[*]}"
ensure_containerd2
