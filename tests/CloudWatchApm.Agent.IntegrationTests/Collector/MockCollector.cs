// An in-process OTLP collector for integration tests: Kestrel on 127.0.0.1 with an h2c gRPC
// endpoint, an HTTP/1.1 OTLP/HTTP endpoint and, on request, a TLS endpoint (optionally mTLS)
// serving both. It records every request and flattens the data into Received* records that
// tests wait on, without sleeping, through WaitFor*Async or Expect*/AssertExpectationsAsync.
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Sdk;

namespace CloudWatchApm.Agent.IntegrationTests.Collector;

internal sealed class MockCollector : IAsyncDisposable
{
    private const int MaxMessageBytes = 64 * 1024 * 1024;
    private const string TlsAttemptKey = "CloudWatchApm.MockCollector.TlsAttempt";

    private readonly MockCollectorOptions _options;
    private readonly CollectorState _state;
    private readonly CollectorCertificates? _certificates;
    private readonly SslStreamCertificateContext? _serverCertificateContext;
    private readonly OtlpReceiver _receiver;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _expectationsLock = new();
    private readonly List<Expectation> _expectations = [];
    private WebApplication? _app;
    private int _grpcPort;
    private int _httpPort;
    private int _tlsPort;

    private MockCollector(MockCollectorOptions options)
    {
        _options = options;
        _state = new CollectorState(options.Failure);
        if (TlsEnabled)
        {
            _certificates = CollectorCertificates.Create();
            _serverCertificateContext = SslStreamCertificateContext.Create(
                _certificates.Server, [_certificates.Authority], offline: true);
        }

        _receiver = new OtlpReceiver(_state, _certificates);
    }

    /// <summary>"http://127.0.0.1:PORT", h2c: point gRPC exporters here.</summary>
    public string GrpcEndpoint => "http://127.0.0.1:" + _grpcPort;

    /// <summary>"http://127.0.0.1:PORT", HTTP/1.1: OTLP/HTTP base URL (append /v1/traces etc. for per-signal endpoints).</summary>
    public string HttpEndpoint => "http://127.0.0.1:" + _httpPort;

    /// <summary>"https://127.0.0.1:PORT", serving gRPC (h2) and OTLP/HTTP (http/1.1) chosen by ALPN.</summary>
    public string TlsEndpoint => TlsEnabled ? "https://127.0.0.1:" + _tlsPort : throw TlsNotEnabled();

    /// <summary>PEM of the CA that signed the server certificate: the value for OTEL_EXPORTER_OTLP_CERTIFICATE.</summary>
    public string CertificatePemPath => Certificates.AuthorityPemPath;

    /// <summary>PEM of the generated client certificate: the value for OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE.</summary>
    public string ClientCertificatePemPath => Certificates.ClientCertificatePemPath;

    /// <summary>PKCS#8 PEM of the client certificate's key: the value for OTEL_EXPORTER_OTLP_CLIENT_KEY.</summary>
    public string ClientKeyPemPath => Certificates.ClientKeyPemPath;

    /// <summary>The CA as an object, for in-process clients (trust it as a custom root).</summary>
    public X509Certificate2 CertificateAuthority => Certificates.Authority;

    /// <summary>The generated client certificate with its private key, for in-process clients.</summary>
    public X509Certificate2 ClientCertificate => Certificates.Client;

    public bool IsRunning => Volatile.Read(ref _app) is not null;

    public IReadOnlyList<ReceivedSpan> Spans => _state.Spans;

    public IReadOnlyList<ReceivedMetric> Metrics => _state.Metrics;

    public IReadOnlyList<ReceivedLog> Logs => _state.Logs;

    public IReadOnlyList<ReceivedRequest> Requests => _state.Requests;

    /// <summary>Every connection attempt on the TLS endpoint, including handshakes that failed.</summary>
    public IReadOnlyList<TlsHandshakeRecord> TlsHandshakes => _state.TlsHandshakes;

    private bool TlsEnabled => _options.EnableTls || _options.ClientCertificate != ClientCertificateRequirement.None;

    private CollectorCertificates Certificates => _certificates ?? throw TlsNotEnabled();

    public static async Task<MockCollector> StartAsync(MockCollectorOptions? options = null)
    {
        var collector = new MockCollector(options ?? new MockCollectorOptions());
        try
        {
            await collector.StartHostAsync();
            return collector;
        }
        catch
        {
            await collector.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops listening (clients see connection refused); received data is kept.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is { } app)
            {
                Volatile.Write(ref _app, null);
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again on the same ports as before the stop, so clients need no new configuration.</summary>
    public Task RestartAsync() => StartHostAsync();

    /// <summary>Answers exports with this failure (all signals unless it names one) until cleared or used up.</summary>
    public void FailWith(CollectorFailure failure) => _state.SetFailure(failure);

    public void StopFailing() => _state.SetFailure(null);

    /// <summary>Forgets received data, requests and handshakes; registered expectations stay.</summary>
    public void Clear() => _state.Clear();

    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(Func<IReadOnlyList<ReceivedSpan>, bool> until, TimeSpan timeout) =>
        WaitForAsync(() => _state.Spans, until, timeout, "spans", TelemetrySummary.Describe);

    public Task<IReadOnlyList<ReceivedMetric>> WaitForMetricsAsync(Func<IReadOnlyList<ReceivedMetric>, bool> until, TimeSpan timeout) =>
        WaitForAsync(() => _state.Metrics, until, timeout, "metrics", TelemetrySummary.Describe);

    public Task<IReadOnlyList<ReceivedLog>> WaitForLogsAsync(Func<IReadOnlyList<ReceivedLog>, bool> until, TimeSpan timeout) =>
        WaitForAsync(() => _state.Logs, until, timeout, "logs", TelemetrySummary.Describe);

    public Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(Func<IReadOnlyList<ReceivedRequest>, bool> until, TimeSpan timeout) =>
        WaitForAsync(() => _state.Requests, until, timeout, "requests", TelemetrySummary.Describe);

    public Task<IReadOnlyList<TlsHandshakeRecord>> WaitForTlsHandshakesAsync(Func<IReadOnlyList<TlsHandshakeRecord>, bool> until, TimeSpan timeout) =>
        WaitForAsync(() => _state.TlsHandshakes, until, timeout, "TLS handshakes", h => h.ToString());

    /// <summary>Waits for the first span that matches and returns it.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(Func<ReceivedSpan, bool> match, TimeSpan timeout) =>
        (await WaitForSpansAsync(spans => spans.Any(match), timeout)).First(match);

    public async Task<ReceivedMetric> WaitForMetricAsync(Func<ReceivedMetric, bool> match, TimeSpan timeout) =>
        (await WaitForMetricsAsync(metrics => metrics.Any(match), timeout)).First(match);

    public async Task<ReceivedLog> WaitForLogAsync(Func<ReceivedLog, bool> match, TimeSpan timeout) =>
        (await WaitForLogsAsync(logs => logs.Any(match), timeout)).First(match);

    /// <summary>Registers that at least <paramref name="count"/> received spans must match; checked by <see cref="AssertExpectationsAsync"/>.</summary>
    public void ExpectSpan(Func<ReceivedSpan, bool> predicate, string description, int count = 1) =>
        AddExpectation(new Expectation(description, count, OtlpSignal.Traces, () => _state.Spans.Count(predicate)));

    public void ExpectMetric(Func<ReceivedMetric, bool> predicate, string description, int count = 1) =>
        AddExpectation(new Expectation(description, count, OtlpSignal.Metrics, () => _state.Metrics.Count(predicate)));

    public void ExpectLog(Func<ReceivedLog, bool> predicate, string description, int count = 1) =>
        AddExpectation(new Expectation(description, count, OtlpSignal.Logs, () => _state.Logs.Count(predicate)));

    /// <summary>
    /// Waits until every registered expectation is met, then forgets them; on timeout throws an
    /// assertion failure naming the unmet ones and listing what did arrive.
    /// </summary>
    public async Task AssertExpectationsAsync(TimeSpan timeout)
    {
        Expectation[] expectations;
        lock (_expectationsLock)
        {
            expectations = [.. _expectations];
        }

        var met = await WaitCoreAsync(() => expectations.All(e => e.Count() >= e.MinCount), timeout);
        lock (_expectationsLock)
        {
            _expectations.RemoveAll(expectations.Contains);
        }

        if (met)
        {
            return;
        }

        var message = new List<string> { $"Mock collector: unmet expectations after {timeout.TotalSeconds:0.#}s:" };
        foreach (var expectation in expectations)
        {
            var found = expectation.Count();
            if (found < expectation.MinCount)
            {
                message.Add($"  - {expectation.Description}: expected at least {expectation.MinCount}, found {found}");
            }
        }

        var signals = expectations.Select(e => e.Signal).ToHashSet();
        if (signals.Contains(OtlpSignal.Traces))
        {
            message.Add(TelemetrySummary.List("Received spans", _state.Spans, TelemetrySummary.Describe));
        }

        if (signals.Contains(OtlpSignal.Metrics))
        {
            message.Add(TelemetrySummary.List("Received metrics", _state.Metrics, TelemetrySummary.Describe));
        }

        if (signals.Contains(OtlpSignal.Logs))
        {
            message.Add(TelemetrySummary.List("Received logs", _state.Logs, TelemetrySummary.Describe));
        }

        message.Add(TelemetrySummary.List("Requests", _state.Requests, TelemetrySummary.Describe));
        throw new XunitException(string.Join(Environment.NewLine, message));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _lifecycle.Dispose();
        _certificates?.Dispose();
    }

    private async Task<IReadOnlyList<T>> WaitForAsync<T>(
        Func<IReadOnlyList<T>> snapshot,
        Func<IReadOnlyList<T>, bool> until,
        TimeSpan timeout,
        string what,
        Func<T, string> describe)
    {
        IReadOnlyList<T> last = [];
        if (await WaitCoreAsync(() => until(last = snapshot()), timeout))
        {
            return last;
        }

        throw new XunitException(string.Join(
            Environment.NewLine,
            $"Mock collector: timed out after {timeout.TotalSeconds:0.#}s waiting for {what} to satisfy the condition.",
            TelemetrySummary.List("Received " + what, last, describe),
            TelemetrySummary.List("Requests", _state.Requests, TelemetrySummary.Describe)));
    }

    private async Task<bool> WaitCoreAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // Taken before the check: a change landing between check and wait still wakes us.
            var changed = _state.Changed;
            if (condition())
            {
                return true;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await changed.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                // Loop once more so the final state is checked before giving up.
            }
        }
    }

    private void AddExpectation(Expectation expectation)
    {
        lock (_expectationsLock)
        {
            _expectations.Add(expectation);
        }
    }

    private static InvalidOperationException TlsNotEnabled() =>
        new("Start the mock collector with EnableTls = true to use its TLS endpoint and certificates.");

    private async Task StartHostAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is not null)
            {
                return;
            }

            // Empty builder: no appsettings, no environment (ASPNETCORE_URLS of the test process
            // must not leak in) and no logging providers, which keeps Kestrel silent.
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore();
            builder.Services.AddSingleton(_receiver);
            builder.Services.AddRouting();
            builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = MaxMessageBytes);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));

            ListenOptions? grpcListener = null;
            ListenOptions? httpListener = null;
            ListenOptions? tlsListener = null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = MaxMessageBytes;
                kestrel.Listen(IPAddress.Loopback, _grpcPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    grpcListener = listen;
                });
                kestrel.Listen(IPAddress.Loopback, _httpPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    httpListener = listen;
                });
                if (TlsEnabled)
                {
                    kestrel.Listen(IPAddress.Loopback, _tlsPort, listen =>
                    {
                        listen.Protocols = HttpProtocols.Http1AndHttp2;
                        ConfigureTls(listen);
                        tlsListener = listen;
                    });
                }
            });

            var app = builder.Build();
            app.MapGrpcService<TraceExportService>();
            app.MapGrpcService<MetricsExportService>();
            app.MapGrpcService<LogsExportService>();
            app.MapPost("/v1/traces", context => _receiver.HandleHttpAsync(context, OtlpSignal.Traces));
            app.MapPost("/v1/metrics", context => _receiver.HandleHttpAsync(context, OtlpSignal.Metrics));
            app.MapPost("/v1/logs", context => _receiver.HandleHttpAsync(context, OtlpSignal.Logs));
            app.MapFallback(_receiver.HandleUnknownAsync);

            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            // Kestrel writes the bound endpoint back into ListenOptions, which is how port 0 becomes
            // a real port; keeping it makes a restart come back on the same one.
            _grpcPort = grpcListener!.IPEndPoint!.Port;
            _httpPort = httpListener!.IPEndPoint!.Port;
            _tlsPort = tlsListener?.IPEndPoint?.Port ?? 0;
            Volatile.Write(ref _app, app);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private void ConfigureTls(ListenOptions listen)
    {
        // Outermost: sees every connection, so a handshake that fails (e.g. mTLS without a
        // client certificate) is still recorded once the connection closes.
        listen.Use(next => async connection =>
        {
            var attempt = new TlsAttempt();
            connection.Items[TlsAttemptKey] = attempt;
            try
            {
                await next(connection);
            }
            finally
            {
                if (!attempt.Completed)
                {
                    _state.RecordHandshake(attempt.ToRecord(succeeded: false));
                }
            }
        });

        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(CreateServerOptions(context.Connection)),
        });

        // Runs only after a successful handshake.
        listen.Use(next => connection =>
        {
            if (connection.Items[TlsAttemptKey] is TlsAttempt attempt)
            {
                attempt.Completed = true;
                _state.RecordHandshake(attempt.ToRecord(succeeded: true));
            }

            return next(connection);
        });
    }

    private SslServerAuthenticationOptions CreateServerOptions(ConnectionContext connection)
    {
        var requirement = _options.ClientCertificate;
        var attempt = connection.Items[TlsAttemptKey] as TlsAttempt ?? new TlsAttempt();
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _serverCertificateContext,
            ClientCertificateRequired = requirement != ClientCertificateRequirement.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };

        if (requirement != ClientCertificateRequirement.None)
        {
            // The collector's own client certificate is the only one trusted; matching it exactly
            // is stricter than chain validation and needs no trust store.
            options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                attempt.Presented = certificate is not null;
                attempt.Matched = _certificates!.IsClientCertificate(certificate);
                attempt.Subject = certificate?.Subject;
                return requirement == ClientCertificateRequirement.Optional || attempt.Matched;
            };
        }

        return options;
    }

    private sealed record Expectation(string Description, int MinCount, OtlpSignal Signal, Func<int> Count);

    private sealed class TlsAttempt
    {
        public bool Completed { get; set; }

        public bool Presented { get; set; }

        public bool Matched { get; set; }

        public string? Subject { get; set; }

        public TlsHandshakeRecord ToRecord(bool succeeded) => new(succeeded, Presented, Matched, Subject);
    }
}
