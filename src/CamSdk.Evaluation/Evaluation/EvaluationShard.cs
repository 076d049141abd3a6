using System;
using System.Globalization;

namespace CamSdk.Evaluation;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of a job, for the schedulers a team already has (Kubernetes Indexed Jobs,
/// Slurm job arrays, a cloud batch service): part <see cref="Index"/> takes a contiguous run of whole batches of the
/// job's items in their stable order (file names sorted, dataset indices), so that every batch is exactly a batch of
/// the whole run and a merge of the parts gives the whole run's figures to the last digit.
/// </summary>
public sealed record EvaluationShard
{
    /// <summary>Kubernetes Indexed Jobs' variable: the pod's index, 0 to completions − 1.</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>Slurm job arrays' variable: the task's index in the array.</summary>
    public const string SlurmIndexVariable = "SLURM_ARRAY_TASK_ID";

    /// <summary>Slurm job arrays' variable: how many tasks the array has.</summary>
    public const string SlurmCountVariable = "SLURM_ARRAY_TASK_COUNT";

    /// <summary>Slurm job arrays' variable: the array's lowest index (an array 1-8 has indices 1 to 8).</summary>
    public const string SlurmMinimumVariable = "SLURM_ARRAY_TASK_MIN";

    /// <summary>Creates part <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">The part, 0 to <paramref name="count"/> − 1.</param>
    /// <param name="count">How many parts, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1, or an index outside 0 to count − 1.</exception>
    public EvaluationShard(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A shard's index is 0 to {count - 1} for {count} shards.");
        }

        (Index, Count) = (index, count);
    }

    /// <summary>The part, 0 to <see cref="Count"/> − 1.</summary>
    public int Index { get; }

    /// <summary>How many parts the job has.</summary>
    public int Count { get; }

    /// <summary>The whole job as one part.</summary>
    public static EvaluationShard Whole { get; } = new(0, 1);

    /// <summary>
    /// Reads a shard: <c>K/N</c> (part K of N, from 0); <c>auto</c>, from a Slurm job array's variables
    /// (<see cref="SlurmIndexVariable"/> less <see cref="SlurmMinimumVariable"/>, of <see cref="SlurmCountVariable"/>);
    /// or <c>auto/N</c>, part <see cref="KubernetesIndexVariable"/> (or the Slurm index) of N.
    /// </summary>
    /// <param name="text">The shard as given (e.g. <c>--shard 2/8</c>).</param>
    /// <param name="environment">Reads an environment variable; null for the process's.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="CamException">The text is not a shard, or <c>auto</c> finds no scheduler's variables; the message says what to give.</exception>
    public static EvaluationShard Parse(string text, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var parts = text.Trim().Split('/');
        var count = parts.Length == 2 ? Number(parts[1]) : null;
        if (parts[0].Equals("auto", StringComparison.OrdinalIgnoreCase) && (parts.Length == 1 || count is not null))
        {
            return FromEnvironment(text, count, environment);
        }

        if (parts.Length != 2 || Number(parts[0]) is not { } index || count is not { } total || total < 1 || index >= total)
        {
            throw new CamException(
                $"--shard '{text}' is not a shard: give K/N, part K (0 to N − 1) of N (e.g. 2/8); 'auto' to read a Slurm array's {SlurmIndexVariable} and {SlurmCountVariable}; or 'auto/N' to read Kubernetes' {KubernetesIndexVariable}.");
        }

        return new EvaluationShard(index, total);
    }

    /// <summary>
    /// The items this part takes of <paramref name="total"/>, in groups of <paramref name="batch"/>: a contiguous range
    /// whose ends fall on whole batches of the whole job (the last part ends at <paramref name="total"/>); empty when
    /// there are fewer batches than parts.
    /// </summary>
    /// <param name="total">How many items the whole job has.</param>
    /// <param name="batch">The job's batch size (1 when items are independent).</param>
    /// <returns>The first item and the end (exclusive).</returns>
    public (int Start, int End) Range(int total, int batch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var batches = (total + batch - 1) / batch;
        int Edge(int part) => (int)Math.Min(total, (long)batches * part / Count * batch);
        return (Edge(Index), Index == Count - 1 ? total : Edge(Index + 1));
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static EvaluationShard FromEnvironment(string text, int? count, Func<string, string?> environment)
    {
        if (Number(environment(SlurmIndexVariable)) is { } task)
        {
            var minimum = Number(environment(SlurmMinimumVariable)) ?? 0;
            var tasks = count ?? Number(environment(SlurmCountVariable))
                ?? throw new CamException($"--shard {text}: {SlurmIndexVariable} is set but {SlurmCountVariable} is not: give the count, --shard auto/N.");
            return Checked(text, task - minimum, tasks, $"{SlurmIndexVariable}={task} (less {SlurmMinimumVariable}={minimum})");
        }

        if (Number(environment(KubernetesIndexVariable)) is { } pod)
        {
            return count is { } total
                ? Checked(text, pod, total, $"{KubernetesIndexVariable}={pod}")
                : throw new CamException($"--shard {text}: Kubernetes sets {KubernetesIndexVariable}={pod} but not the number of completions: give it, --shard auto/N (N = the Job's completions).");
        }

        throw new CamException(
            $"--shard {text}: neither {SlurmIndexVariable} (a Slurm job array) nor {KubernetesIndexVariable} (a Kubernetes Indexed Job) is set: run it as one of those, or give the shard as K/N.");
    }

    private static EvaluationShard Checked(string text, int index, int count, string source) =>
        count >= 1 && index >= 0 && index < count
            ? new EvaluationShard(index, count)
            : throw new CamException($"--shard {text}: {source} gives part {index} of {count}, which is not 0 to {count - 1}: check the array's or the Job's size.");

    private static int? Number(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
