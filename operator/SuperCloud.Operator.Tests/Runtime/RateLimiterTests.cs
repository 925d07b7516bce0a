using Microsoft.Extensions.Time.Testing;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class RateLimiterTests
{
    [Fact]
    public void Per_item_backoff_doubles_from_5ms_and_caps_at_1000s()
    {
        var limiter = new RateLimiter<string>(new FakeTimeProvider(), qps: 1e9, burst: int.MaxValue);

        var delays = Enumerable.Range(0, 5).Select(_ => limiter.When("a")).ToList();

        delays.Should().Equal(
            TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20),
            TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(80));
        for (var i = 0; i < 30; i++)
        {
            limiter.When("a");
        }

        limiter.When("a").Should().Be(TimeSpan.FromSeconds(1000));
        limiter.NumRequeues("a").Should().Be(36);
    }

    [Fact]
    public void Forget_resets_one_item_and_leaves_others_alone()
    {
        var limiter = new RateLimiter<string>(new FakeTimeProvider(), qps: 1e9, burst: int.MaxValue);
        limiter.When("a");
        limiter.When("a");
        limiter.When("b");

        limiter.Forget("a");

        limiter.NumRequeues("a").Should().Be(0);
        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(5));
        limiter.When("b").Should().Be(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void Overall_token_bucket_delays_retries_beyond_the_burst_and_refills_with_time()
    {
        var clock = new FakeTimeProvider();
        var limiter = new RateLimiter<string>(clock, qps: 2, burst: 2);

        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(5));
        limiter.When("b").Should().Be(TimeSpan.FromMilliseconds(5));
        limiter.When("c").Should().Be(TimeSpan.FromMilliseconds(500));
        limiter.When("d").Should().Be(TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(10));
        limiter.When("e").Should().Be(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void Invalid_settings_are_rejected_naming_the_parameter()
    {
        var act = () => new RateLimiter<string>(new FakeTimeProvider(), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxDelay");
    }
}
