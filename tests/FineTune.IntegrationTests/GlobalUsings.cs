global using System.Globalization;
global using FineTune.Checker;
global using FineTune.Contracts;
global using FineTune.Data;

// The tests start Debian's redis-server and read Unix file modes: they run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
