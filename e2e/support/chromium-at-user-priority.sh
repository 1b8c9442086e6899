#!/bin/sh
# Starts Chromium ($CLASSROOM_CHROMIUM) without CAP_SYS_NICE: the thread priorities a user's browser has.
# See e2e/support/browsers.ts for why.
exec setpriv --bounding-set -sys_nice --inh-caps -sys_nice "$CLASSROOM_CHROMIUM" "$@"
