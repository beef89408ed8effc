global using FineTune.Api.Extensions;
global using FineTune.Checker;
global using FineTune.Contracts;
global using FineTune.Data;
global using Microsoft.AspNetCore.Http.HttpResults;
