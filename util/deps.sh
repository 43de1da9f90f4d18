#!/usr/bin/env bash
# util/deps.sh: installs the Debian 12 packages fngate needs to build, run
# and test, and nothing when they are all present already.  Used by
# `make run`, `make test` and CI; run as root on a fresh machine.
set -euo pipefail

PACKAGES=(
    # build
    build-essential pkg-config
    libhiredis-dev libfcgi-dev libyajl-dev libcunit1-dev libssl-dev
    libvirt-dev libarchive-dev
    # the guests' network (docs/network.md): libnftables in vmpool, nft
    # for the operator
    libnftables-dev nftables
    nginx nginx-dev
    # run
    redis-server libfcgi-bin
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
    # guest image (guest/image/: fetch-kernel.sh, mkinitramfs.sh) and
    # runtime disk (guest/image/mkruntimes.sh: Debian's python3.11, an ext4
    # by mke2fs -d)
    busybox-static cpio kmod python3.11 e2fsprogs
    # CRIU on the runtime disk: suspended waits (docs/suspend.md)
    criu
    # the Node.js runtime (mkruntimes.sh names it after this node's major
    # version: Debian 12's is nodejs18.x; a machine's own node 20 stays)
    nodejs
    # tools and tests
    awscli python3-boto3 wrk valgrind curl zip unzip jq procps
    # make fuzz: clang, and libFuzzer (-fsanitize=fuzzer) with the
    # sanitizer runtimes, which Debian 12 ships in libclang-rt-14-dev
    clang libclang-rt-14-dev
    libtest-base-perl libspiffy-perl libtest-longstring-perl
    liblist-moreutils-perl libtext-diff-perl libhttp-message-perl
    liburi-perl libwww-perl
)

# The AWS SDK for JavaScript v3's SQS and Lambda clients (t/queues.t tests
# the JSON protocol with the first; the Node.js runtime's disk carries
# both), from npm into build/npm (not committed; node and npm are the
# machine's: Debian's npm only where node came without one, as NodeSource's
# brings its own).
npm_deps() {
    local root
    root=$(cd "$(dirname "$0")/.." && pwd)
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        apt-get install -y -q --no-install-recommends npm
    fi
    if command -v npm >/dev/null 2>&1 \
       && { [ ! -d "$root/build/npm/node_modules/@aws-sdk/client-sqs" ] \
            || [ ! -d "$root/build/npm/node_modules/@aws-sdk/client-lambda" ]; }; then
        mkdir -p "$root/build/npm"
        npm install --no-audit --no-fund --prefix "$root/build/npm" \
            @aws-sdk/client-sqs@3 @aws-sdk/client-lambda@3 >/dev/null
        echo "deps: @aws-sdk/client-sqs, client-lambda installed in build/npm"
    fi
}

missing=()
for p in "${PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$st" in
        ii*) ;;
        *) missing+=("$p") ;;
    esac
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#PACKAGES[@]} packages present"
    npm_deps
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: run as root (or install them with apt-get)" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
npm_deps
