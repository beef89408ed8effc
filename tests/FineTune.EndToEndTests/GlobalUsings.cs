global using FineTune.Contracts;

// The tests drive Debian's chromium and read Unix file modes: they run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
