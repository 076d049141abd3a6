using System.Collections.Immutable;
using CamSdk.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using Mono.Cecil;

namespace CamSdk.Tests.Support;

/// <summary>
/// Finds, in C# code, every place that hands libtorch a TorchSharp <see cref="TorchSharp.Scalar"/> that nothing holds
/// (see <c>CamSdk.Internal.Scalars</c> for why that can fail): an implicit conversion to Scalar, an explicit
/// <c>ToScalar()</c> whose result is not a <c>using</c> local, or a call of a TorchSharp member that makes such a Scalar
/// itself. Those members are read from TorchSharp's IL, so the list follows the TorchSharp version in use. A line that
/// must do it anyway says why in a comment that starts with <see cref="Allowed"/>.
/// </summary>
internal static class ScalarLifetimeScan
{
    /// <summary>The start of a comment that lets a line pass an unheld Scalar, followed by the reason.</summary>
    internal const string Allowed = "// Unheld Scalars allowed: ";

    private const string ScalarType = "TorchSharp.Scalar";

    private static readonly Lazy<(ImmutableHashSet<string> Members, ImmutableHashSet<string> Modules)> Hazards = new(ReadHazards);

    /// <summary>
    /// TorchSharp's members that make a Scalar and pass it on without holding it: those whose IL converts a value to a
    /// Scalar (<c>op_Implicit</c>, <c>ToScalar</c>) and never disposes one, and, transitively, those that call them.
    /// Keys are <see cref="Key(MethodDefinition)"/>'s.
    /// </summary>
    internal static readonly Lazy<ImmutableHashSet<string>> TorchSharpHazards = new(() => Hazards.Value.Members);

    /// <summary>
    /// TorchSharp's module types whose <c>forward</c> is among <see cref="TorchSharpHazards"/>: the types that declare
    /// such a <c>forward</c>, by full name (a subclass that inherits it, as BatchNorm2d inherits BatchNorm's, is not listed).
    /// </summary>
    internal static readonly Lazy<ImmutableHashSet<string>> ModulesWithUnheldForward = new(() => Hazards.Value.Modules);


    /// <summary>One finding: where, and what.</summary>
    internal sealed record Finding(string Path, int Line, string What, string Code)
    {
        public override string ToString() => $"{Path}:{Line}: {What}: `{Code}`";
    }

    /// <summary>
    /// Compiles the C# files of <paramref name="folder"/> (with CamSdk's generator) as its project does, and scans them:
    /// its own files and the shared test helpers its project links (tests/Tests.props), against the packages its restore
    /// resolved (obj/project.assets.json) and the projects it references, compiled here from their sources too. Nothing
    /// is read from a build's output, so the scan gives the same answer whatever has been built, and in whatever order.
    /// </summary>
    /// <param name="folder">A project folder; bin and obj are skipped.</param>
    /// <param name="repositoryRoot">Paths in findings are relative to it.</param>
    internal static (IReadOnlyList<Finding> Findings, IReadOnlyList<Diagnostic> Errors) ScanProject(string folder, string repositoryRoot)
    {
        var project = Compiled(folder, repositoryRoot);
        return (Findings(project.Output, project.Own, repositoryRoot), project.Errors);
    }

    /// <summary>A project compiled from its sources: the compilation with generated code, its own trees, and its errors.</summary>
    private sealed record CompiledProject(Compilation Output, IReadOnlySet<SyntaxTree> Own, IReadOnlyList<Diagnostic> Errors);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<CompiledProject>> Projects = new();

    /// <summary>Each project is compiled once per test run, and serves every project that references it.</summary>
    private static CompiledProject Compiled(string folder, string repositoryRoot) =>
        Projects.GetOrAdd(Path.GetFullPath(folder), f => new Lazy<CompiledProject>(() => Compile(f, repositoryRoot))).Value;

    private static CompiledProject Compile(string folder, string repositoryRoot)
    {
        var name = Path.GetFileName(folder);
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(f, folder, "bin") && !IsUnder(f, folder, "obj"))
            .ToList();
        var project = File.ReadAllText(Path.Combine(folder, name + ".csproj"));
        var settings = project;
        if (project.Contains("Tests.props", StringComparison.Ordinal))
        {
            var shared = Path.Combine(repositoryRoot, "tests", "Shared");
            settings += File.ReadAllText(Path.Combine(repositoryRoot, "tests", "Tests.props"));
            files.AddRange(Directory.EnumerateFiles(shared, "*.cs"));
            foreach (var (property, subfolder) in new[] { ("CamSdkTestsUseImages", "Imaging"), ("CamSdkTestsUseModels", "Models"), ("CamSdkTestsUseOnnx", "Onnx") })
            {
                if (project.Contains($"<{property}>true</{property}>", StringComparison.Ordinal))
                {
                    files.AddRange(Directory.EnumerateFiles(Path.Combine(shared, subfolder), "*.cs"));
                }
            }
        }

        var sources = files.Select(f => (Path: f, Text: File.ReadAllText(f))).ToList();
        if (GlobalUsings(settings) is { } usings)
        {
            sources.Add((Path.Combine(folder, "obj", $"{name}.GlobalUsings.g.cs"), usings));
        }

        // The SDK writes an attribute for each <InternalsVisibleTo Include="…" /> item into obj.
        var friends = System.Text.RegularExpressions.Regex.Matches(project, "<InternalsVisibleTo Include=\"([^\"]+)\" />").Select(m => m.Groups[1].Value).ToList();
        if (friends.Count > 0)
        {
            sources.Add((Path.Combine(folder, "obj", $"{name}.AssemblyInfo.cs"),
                string.Concat(friends.Select(a => $"[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"{a}\")]\n"))));
        }

        var (output, errors) = CompileWithGenerator(name, sources, References(folder, name, repositoryRoot));
        var own = output.SyntaxTrees.Where(t => !t.FilePath.EndsWith(".GlobalUsings.g.cs", StringComparison.Ordinal) && !t.FilePath.EndsWith(".AssemblyInfo.cs", StringComparison.Ordinal)).ToHashSet();
        return new CompiledProject(output, own, errors);
    }

    /// <summary>
    /// The global usings the SDK writes for a project with <c>ImplicitUsings</c> enabled (Microsoft.NET.Sdk's list), and
    /// its <c>&lt;Using Include="…" /&gt;</c> items; null when implicit usings are off (Directory.Build.props's default).
    /// </summary>
    private static string? GlobalUsings(string settings)
    {
        if (!settings.Contains("<ImplicitUsings>enable</ImplicitUsings>", StringComparison.Ordinal))
        {
            return null;
        }

        string[] sdk = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];
        var items = System.Text.RegularExpressions.Regex.Matches(settings, "<Using Include=\"([^\"]+)\" />").Select(m => m.Groups[1].Value);
        return string.Concat(sdk.Concat(items).Distinct().Select(u => $"global using {u};\n"));
    }

    /// <summary>
    /// What the project compiles against: the running .NET's framework assemblies, its NuGet packages' compile assets (as its
    /// restore resolved them) and the projects it references, compiled from their sources (the generator, which runs in
    /// the compiler, is run on every compilation instead).
    /// </summary>
    private static IEnumerable<MetadataReference> References(string folder, string name, string repositoryRoot)
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var files = Directory.EnumerateFiles(framework, "*.dll").ToList();
        var projects = new List<MetadataReference>();
        // The generator is a netstandard2.0 analyzer, not compiled here: a project that references it as a library gets the
        // build of it this scan runs.
        var project = File.ReadAllText(Path.Combine(folder, name + ".csproj"));
        if (System.Text.RegularExpressions.Regex.IsMatch(project, "<ProjectReference Include=\"[^\"]*CamSdk\\.Generators\\.csproj\"(?![^>]*ReferenceOutputAssembly=\"false\")"))
        {
            files.Add(typeof(ExplainGenerator).Assembly.Location);
        }

        using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "obj", "project.assets.json")));
        var root = assets.RootElement;
        var packages = root.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToList();
        var libraries = root.GetProperty("libraries");
        foreach (var (key, library) in root.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            var info = libraries.GetProperty(key);
            if (library.GetProperty("type").GetString() == "project")
            {
                var referenced = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(folder, info.GetProperty("path").GetString()!)))!;
                if (!Path.GetFileName(referenced).StartsWith("CamSdk.Generators", StringComparison.Ordinal))
                {
                    projects.Add(Compiled(referenced, repositoryRoot).Output.ToMetadataReference());
                }

                continue;
            }

            if (!library.TryGetProperty("compile", out var compile))
            {
                continue;
            }

            var path = info.GetProperty("path").GetString()!;
            foreach (var asset in compile.EnumerateObject().Select(a => a.Name).Where(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
            {
                files.AddRange(packages.Select(p => Path.Combine(p, path, asset)).Where(File.Exists).Take(1));
            }
        }

        return files.Where(r => Path.GetFileNameWithoutExtension(r) != name).DistinctBy(Path.GetFileName).Select(r => (MetadataReference)MetadataReference.CreateFromFile(r)).Concat(projects);
    }

    /// <summary>Compiles <paramref name="sources"/> as the assembly <paramref name="assemblyName"/> and scans them.</summary>
    internal static (IReadOnlyList<Finding> Findings, IReadOnlyList<Diagnostic> Errors) Scan(
        string assemblyName, IReadOnlyList<(string Path, string Text)> sources, string repositoryRoot, IEnumerable<MetadataReference>? references = null)
    {
        var (output, errors) = CompileWithGenerator(assemblyName, sources, references ?? References(assemblyName));
        return (Findings(output, output.SyntaxTrees.ToHashSet(), repositoryRoot), errors);
    }

    /// <summary>Compiles <paramref name="sources"/> and runs CamSdk's generator on them, as the build does.</summary>
    private static (Compilation Output, IReadOnlyList<Diagnostic> Errors) CompileWithGenerator(
        string assemblyName, IReadOnlyList<(string Path, string Text)> sources, IEnumerable<MetadataReference> references)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToList();
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        CSharpGeneratorDriver.Create([new ExplainGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        // A top-level program in a library compilation is the only error expected; anything else would leave code unbound.
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8805")
            .ToList();
        return (output, errors);
    }

    /// <summary>Every unheld Scalar in <paramref name="trees"/> of <paramref name="output"/>.</summary>
    private static List<Finding> Findings(Compilation output, IReadOnlySet<SyntaxTree> trees, string repositoryRoot)
    {
        var findings = new List<Finding>();
        foreach (var tree in output.SyntaxTrees.Where(trees.Contains))
        {
            var model = output.GetSemanticModel(tree);
            var seen = new HashSet<IOperation>();
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (model.GetOperation(node) is not { Parent: null } root)
                {
                    continue;
                }

                foreach (var operation in root.DescendantsAndSelf().Where(seen.Add))
                {
                    if (Problem(operation) is { } what && !IsAllowed(operation.Syntax))
                    {
                        var line = operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        var path = Path.IsPathRooted(tree.FilePath) ? Path.GetRelativePath(repositoryRoot, tree.FilePath) : $"(generated) {tree.FilePath}";
                        findings.Add(new Finding(path.Replace('\\', '/'), line, what, operation.Syntax.ToString().Split('\n')[0].Trim()));
                    }
                }
            }
        }

        return findings;
    }

    /// <summary>What is wrong with <paramref name="operation"/>, or null.</summary>
    private static string? Problem(IOperation operation)
    {
        if (operation is IConversionOperation { OperatorMethod: not null } converted
            && IsScalar(converted.Type) && !IsScalar(converted.Operand.Type))
        {
            return $"implicit conversion of {converted.Operand.Type?.ToDisplayString() ?? "a value"} to a Scalar nothing holds (use Scalars.Of for a constant, a using local for a value)";
        }

        if (operation is IObjectCreationOperation or IInvocationOperation && operation.Type is INamedTypeSymbol made
            && ForwardDeclarer(made) is { } module && ModulesWithUnheldForward.Value.Contains(module) && !CamSdk.Internal.HeldScalarModules.UnheldInTraining.Contains(module))
        {
            return $"makes a {made.ToDisplayString()}, whose forward ({module}.forward) passes libtorch a Scalar it does not hold";
        }

        var method = operation switch
        {
            IInvocationOperation invocation => invocation.TargetMethod,
            IBinaryOperation binary => binary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            IUnaryOperation unary => unary.OperatorMethod,
            IConversionOperation conversion => conversion.OperatorMethod,
            IObjectCreationOperation creation => creation.Constructor,
            IPropertyReferenceOperation property => IsAssigned(property) ? property.Property.SetMethod : property.Property.GetMethod,
            _ => null,
        };
        if (method is null || method.ContainingAssembly?.Name != "TorchSharp")
        {
            return null;
        }

        if (method.Name == "ToScalar" && IsScalar(method.ReturnType) && !IsHeld(operation))
        {
            return "a Scalar made by ToScalar() that is not a using local";
        }

        var key = Key(method);
        return TorchSharpHazards.Value.Contains(key) ? $"{key} passes libtorch a Scalar it does not hold" : null;
    }

    /// <summary>
    /// The full name of the TorchSharp type that declares the <c>forward(Tensor)</c> a module of type
    /// <paramref name="type"/> runs, or null when <paramref name="type"/> is not one of TorchSharp's modules.
    /// </summary>
    private static string? ForwardDeclarer(INamedTypeSymbol type)
    {
        if (type.ContainingAssembly?.Name != "TorchSharp")
        {
            return null;
        }

        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetMembers("forward").OfType<IMethodSymbol>().Any(m => !m.IsAbstract && m.Parameters.Length == 1 && m.Parameters[0].Type.ToDisplayString() == "TorchSharp.torch.Tensor"))
            {
                return t.ContainingType is null ? $"{t.ContainingNamespace.ToDisplayString()}.{t.MetadataName}" : null;
            }
        }

        return null;
    }

    private static bool IsAllowed(SyntaxNode syntax)
    {
        var text = syntax.SyntaxTree.GetText();
        var line = text.Lines[text.Lines.GetLineFromPosition(syntax.SpanStart).LineNumber].ToString();
        var comment = line.IndexOf(Allowed, StringComparison.Ordinal);
        return comment >= 0 && line[(comment + Allowed.Length)..].Trim().Length > 0;
    }

    private static bool IsScalar(ITypeSymbol? type) => type?.ToDisplayString().TrimEnd('?') == ScalarType;

    private static bool IsAssigned(IPropertyReferenceOperation property) =>
        property.Parent is IAssignmentOperation assignment && assignment.Target == property;

    /// <summary>A Scalar made into a <c>using</c> local, a static readonly field, or by CamSdk's own cache lives long enough.</summary>
    private static bool IsHeld(IOperation made)
    {
        var parent = made.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        if (parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation group } } }
            && group.Parent is IUsingDeclarationOperation or IUsingOperation)
        {
            return true;
        }

        if (parent is IFieldInitializerOperation field && field.InitializedFields.All(f => f.IsStatic && f.IsReadOnly))
        {
            return true;
        }

        // CamSdk.Internal.Scalars keeps what it makes in a dictionary for the life of the process.
        for (var syntax = made.Syntax.Parent; syntax is not null; syntax = syntax.Parent)
        {
            if (syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax { Identifier.Text: "Scalars" } declaration
                && made.SemanticModel?.GetDeclaredSymbol(declaration)?.ToDisplayString() == "CamSdk.Internal.Scalars")
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<MetadataReference> References(string compiledAssembly) =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Path.GetFileNameWithoutExtension(p) != compiledAssembly)
        .Select(p => MetadataReference.CreateFromFile(p));

    private static bool IsUnder(string file, string folder, string child) =>
        Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar)[0] == child;

    /// <summary>"Namespace.Type`N.Nested.Member(ParameterType,…)", the same for a Roslyn symbol and a Cecil definition.</summary>
    internal static string Key(IMethodSymbol method)
    {
        method = method.ReducedFrom ?? method;
        method = method.OriginalDefinition;
        return $"{TypeKey(method.ContainingType)}.{method.MetadataName}({string.Join(",", method.Parameters.Select(p => ParameterKey(p.Type) + (p.RefKind == RefKind.None ? "" : "&")))})";

        static string TypeKey(INamedTypeSymbol type) =>
            (type.ContainingType is { } outer ? TypeKey(outer) : type.ContainingNamespace.ToDisplayString()) + "." + type.MetadataName;

        static string ParameterKey(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol array => ParameterKey(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]",
            IPointerTypeSymbol pointer => ParameterKey(pointer.PointedAtType) + "*",
            _ => type.MetadataName,
        };
    }

    /// <inheritdoc cref="Key(IMethodSymbol)"/>
    internal static string Key(MethodDefinition method) =>
        $"{method.DeclaringType.FullName.Replace('/', '.')}.{method.Name}({string.Join(",", method.Parameters.Select(p => p.ParameterType.Name))})";

    private static (ImmutableHashSet<string> Members, ImmutableHashSet<string> Modules) ReadHazards()
    {
        using var assembly = AssemblyDefinition.ReadAssembly(typeof(TorchSharp.torch).Assembly.Location);
        var methods = assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
        var calls = methods.ToDictionary(m => m, m => m.Body.Instructions.Select(i => i.Operand).OfType<MethodReference>().ToList());
        var hazards = methods
            .Where(m => calls[m].Any(MakesScalar) && !calls[m].Any(r => r.DeclaringType.FullName == ScalarType && r.Name == "Dispose"))
            .ToHashSet();
        // Whatever calls one of them hands libtorch the same unheld Scalar.
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var method in methods.Where(m => !hazards.Contains(m)))
            {
                if (calls[method].Any(r => r.Resolve() is { } callee && hazards.Contains(callee)))
                {
                    hazards.Add(method);
                    grew = true;
                }
            }
        }

        var modules = hazards
            .Where(m => m.Name == "forward" && m.Parameters.Count == 1 && m.Parameters[0].ParameterType.FullName == "TorchSharp.torch/Tensor" && IsModule(m.DeclaringType))
            .Select(m => m.DeclaringType.FullName.Replace('/', '+'));
        return ([.. hazards.Select(Key)], [.. modules]);

        static bool IsModule(TypeDefinition? type)
        {
            for (; type is not null; type = type.BaseType?.Resolve())
            {
                if (type.FullName == "TorchSharp.torch/nn/Module")
                {
                    return true;
                }
            }

            return false;
        }

        static bool MakesScalar(MethodReference callee) => callee.ReturnType.FullName == ScalarType
            && (callee.Name == "op_Implicit" || callee.Name.StartsWith("To", StringComparison.Ordinal))
            && callee.DeclaringType.FullName is ScalarType or "TorchSharp.ScalarExtensionMethods" or "TorchSharp.torch/Tensor";
    }
}
