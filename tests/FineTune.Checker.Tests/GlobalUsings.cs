global using FineTune.Contracts;
