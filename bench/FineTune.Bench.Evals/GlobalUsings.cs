global using FineTune.Contracts;
global using FineTune.Data;
global using FineTune.Evals;
