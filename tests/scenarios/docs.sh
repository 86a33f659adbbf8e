#!/bin/sh
# docs.sh — run every example of docs/scenarios.md.
#
# Every fenced block opened with ```scn is a whole scenario and must pass;
# blocks opened with ```scn-fragment are parts of one and are not run. The
# examples are written to DIR/example-NN.scn (named after their line in the
# document) and run together with `atsim run`.
#
# usage: tests/scenarios/docs.sh ATSIM DIR
set -eu
ATSIM=${1:?usage: docs.sh ATSIM DIR}
DIR=${2:?usage: docs.sh ATSIM DIR}
DOC=docs/scenarios.md
rm -rf "$DIR"
mkdir -p "$DIR"
awk -v dir="$DIR" '
  /^```scn[ \t]*$/ { inblock = 1; n++; file = sprintf("%s/example-%04d.scn", dir, NR); next }
  /^```/ && inblock { inblock = 0; close(file); next }
  inblock { print > file }
' "$DOC"
count=$(ls "$DIR" | wc -l)
if [ "$count" -eq 0 ]; then
  echo "docs.sh: no \`\`\`scn examples in $DOC" >&2
  exit 1
fi
echo "docs.sh: $count examples from $DOC"
"$ATSIM" run -q "$DIR"
