global using FineTune.Contracts;
global using FineTune.Data;
