using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>A logger provider that keeps every event, so tests can see that a failure really happened and was retried.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _events = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(_events);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel Level, string Message)> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                events.Enqueue((logLevel, formatter(state, exception)));
            }
        }
    }
}
