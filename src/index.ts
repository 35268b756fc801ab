// The jsii API: one line per construct folder.
