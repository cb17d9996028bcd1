#!/usr/bin/env bash
# Vendors a release of the LiveKit browser SDK (the npm package `livekit-client`)
# into interview-web's assets, so the server serves it itself and the pages'
# Content-Security-Policy can stay `script-src 'self'`.
#
#   scripts/update-livekit-client.sh 2.23.0
#
# Downloads the package with `npm pack`, checks the tarball against the integrity
# the registry publishes (`npm view livekit-client@VERSION dist.integrity`), and
# writes, in interview-web/src/assets/vendor/livekit-client/:
#   livekit-client.umd.js  the browser build, byte for byte as published
#   LICENSE                the package's licence (Apache-2.0), kept beside it
#   VERSION                the version and the file's hashes, read by the server
# Running it again with the same version changes nothing.
set -euo pipefail

if [[ $# -ne 1 || ! $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: $0 VERSION   (a release of livekit-client, e.g. 2.23.0)" >&2
  exit 2
fi
version=$1
package="livekit-client@${version}"
cd "$(dirname "$0")/.."
dest=interview-web/src/assets/vendor/livekit-client

for tool in npm tar openssl base64 sha256sum; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

expected=$(npm view "$package" dist.integrity)
if [[ $expected != sha512-* ]]; then
  echo "$0: the registry gave no sha512 integrity for $package: '$expected'" >&2
  exit 1
fi
tarball=$(cd "$work" && npm pack --silent "$package" | tail -n 1)
actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 | tr -d '\n')"
if [[ $actual != "$expected" ]]; then
  echo "$0: $tarball does not match the registry's integrity" >&2
  echo "  expected $expected" >&2
  echo "  got      $actual" >&2
  exit 1
fi

tar -xzf "$work/$tarball" -C "$work" package/dist/livekit-client.umd.js package/LICENSE package/package.json
packaged=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$work/package/package.json")
if [[ $packaged != "$version" ]]; then
  echo "$0: the tarball says version '$packaged', not $version" >&2
  exit 1
fi

mkdir -p "$dest"
cp "$work/package/dist/livekit-client.umd.js" "$dest/livekit-client.umd.js"
cp "$work/package/LICENSE" "$dest/LICENSE"
sha256=$(sha256sum "$dest/livekit-client.umd.js" | cut -d ' ' -f 1)
sha384="sha384-$(openssl dgst -sha384 -binary "$dest/livekit-client.umd.js" | base64 | tr -d '\n')"
cat >"$dest/VERSION" <<EOF
# Written by scripts/update-livekit-client.sh: run it again to change the version.
version=${version}
file=livekit-client.umd.js
sha256=${sha256}
integrity=${sha384}
npm-integrity=${expected}
EOF

echo "livekit-client ${version} is in ${dest}:"
echo "  livekit-client.umd.js sha256 ${sha256}"
if git diff --quiet -- "$dest" 2>/dev/null && [[ -z $(git ls-files --others --exclude-standard -- "$dest") ]]; then
  echo "Nothing changed."
else
  echo "To commit:"
  echo "  git add ${dest} && git commit -m 'livekit-client ${version}'"
  echo "Then check the room page over LiveKit (cargo test --test browser) before releasing."
fi
