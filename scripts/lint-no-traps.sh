#!/bin/sh
# Fails if code that PAM loads can trap: force unwraps, try!, as!, implicitly unwrapped
# optionals (swift-format rules from .swift-format), fatalError and precondition.
# The CLI is checked too: it shares the same libraries and should never trap either.
set -u
cd "$(dirname "$0")/.." || exit 2
status=0
dirs=$(ls -d Sources/*/ | grep -v CLockwardenContract)
report=$(swift format lint --configuration .swift-format --recursive $dirs 2>&1 \
    | grep -E '\[(NeverForceUnwrap|NeverUseForceTry|NeverUseImplicitlyUnwrappedOptionals)\]')
if [ -n "$report" ]; then
    printf 'possible traps (swift-format):\n%s\n' "$report"
    status=1
fi
calls=$(grep -rnE '\b(fatalError|precondition|preconditionFailure|assertionFailure|unsafelyUnwrapped)\b|\bas!|\btry!' \
    --include='*.swift' $dirs | grep -vE '^[^:]+:[0-9]+:\s*///?')
if [ -n "$calls" ]; then
    printf 'trapping calls:\n%s\n' "$calls"
    status=1
fi
[ "$status" -eq 0 ] && echo "lint: no traps found in $(echo $dirs | wc -w) source directories"
exit "$status"
