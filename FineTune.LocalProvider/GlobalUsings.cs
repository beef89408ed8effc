global using FineTune.Checker;
global using FineTune.Contracts;
