// Generates the files that lift the agent's newer framework assemblies (today
// System.Diagnostics.DiagnosticSource 10) into .NET 8/9 framework-dependent apps:
//   <home>/additional-deps/shared/<framework>/<major>.0.0/<name>.deps.json  (DOTNET_ADDITIONAL_DEPS)
//   <home>/store/<arch>/<app tfm>/<package path>/<asset path>                  (DOTNET_SHARED_STORE)
// An assembly is lifted when the agent's publish output carries it at a higher assembly version
// than the shared framework of that major version. See docs in build/lift-diagnosticsource.sh.
return LiftDiagnosticSource.Cli.Run(args);
