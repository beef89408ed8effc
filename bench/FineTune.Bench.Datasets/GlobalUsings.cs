global using FineTune.Checker;
