using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class ConditionsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, 500, TimeSpan.Zero));

    [Fact]
    public void Lasttransitiontime_moves_only_when_the_status_changes()
    {
        var conditions = new List<V1Condition>();
        Conditions.Set(conditions, Ready("False", "Scheduling"), _clock).Should().BeTrue();
        var first = conditions.Single().LastTransitionTime;

        _clock.Advance(TimeSpan.FromMinutes(1));
        Conditions.Set(conditions, Ready("False", "Booting", "qemu starting"), _clock).Should().BeTrue("reason and message changed");
        conditions.Single().LastTransitionTime.Should().Be(first);

        _clock.Advance(TimeSpan.FromMinutes(1));
        Conditions.Set(conditions, Ready("True", "Running"), _clock).Should().BeTrue();
        conditions.Single().LastTransitionTime.Should().Be(new DateTime(2026, 1, 1, 12, 2, 0, DateTimeKind.Utc), "stored at whole seconds like the API");

        Conditions.Set(conditions, Ready("True", "Running"), _clock).Should().BeFalse("nothing changed, so no status write is needed");
        Conditions.IsTrue(conditions, "Ready").Should().BeTrue();
    }

    [Fact]
    public void Conditions_of_other_types_are_kept_and_removable()
    {
        var conditions = new List<V1Condition>();
        Conditions.Set(conditions, Ready("True", "Running"), _clock);
        Conditions.Set(conditions, new V1Condition { Type = "Migrating", Status = "False", Reason = "Idle" }, _clock);

        Conditions.Remove(conditions, "Migrating").Should().BeTrue();

        conditions.Select(c => c.Type).Should().Equal("Ready");
        Conditions.Find(conditions, "Migrating").Should().BeNull();
    }

    [Fact]
    public void Invalid_status_is_rejected_naming_the_value()
    {
        var act = () => Conditions.Set([], Ready("Yes", "Running"), _clock);

        act.Should().Throw<ArgumentException>().WithMessage("*'Yes'*");
    }

    private static V1Condition Ready(string status, string reason, string message = "") =>
        new() { Type = "Ready", Status = status, Reason = reason, Message = message };
}
