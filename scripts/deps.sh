#!/usr/bin/env bash
# Installs what building, running and testing Stratus needs on a Debian machine, and
# nothing that is already there: Go (must exist), python3 with botocore and boto3,
# and the AWS CLI (the end-to-end tests drive the server with them), the
# interpreters of the Lambda runtimes, and the sandbox's tools.
set -euo pipefail

need_apt=()
command -v go >/dev/null 2>&1 || { echo "deps: Go is required (https://go.dev/doc/install)" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if ! python3 -c 'import botocore, boto3' >/dev/null 2>&1; then need_apt+=(python3-boto3 python3-botocore); fi
command -v aws >/dev/null 2>&1 || need_apt+=(awscli)
# The python3.11 and nodejs20.x Lambda runtimes run the system's interpreters.
[ -x /usr/bin/python3.11 ] || need_apt+=(python3.11)
[ -x /usr/bin/node ] || need_apt+=(nodejs)
# The sandbox formats each environment's /tmp as ext4; its benchmarks compare against runc and crun.
command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || [ -x /sbin/mkfs.ext4 ] || need_apt+=(e2fsprogs)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need_apt+=(runc)
command -v crun >/dev/null 2>&1 || need_apt+=(crun)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${need_apt[*]}; install them (apt-get install ${need_apt[*]}) or run as root" >&2
    exit 1
  fi
  echo "deps: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
