global using FineTune.Checker;
global using FineTune.Contracts;
global using FineTune.Data;
