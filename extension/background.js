// Placeholder background page: the extension proper (error detection, Diagnose UI) is built on top of the
// native host's protocol described in docs/PROTOCOL.md.
"use strict";
