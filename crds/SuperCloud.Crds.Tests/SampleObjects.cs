using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Crds.Tests;

/// <summary>One instance of every kind with every field set, spec and status, for round-trip and schema tests.</summary>
internal static class SampleObjects
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public static IReadOnlyList<object> All =>
        [SuperPod(), SuperPodMigration(), MigrationPolicy(), StubResource(), SuperCluster(), SuperNode()];

    private static V1Condition Ready(long generation) => new()
    {
        Type = ConditionTypes.Ready,
        Status = "True",
        Reason = "Reconciled",
        Message = "all good",
        LastTransitionTime = T0,
        ObservedGeneration = generation,
    };

    private static PlacementLocation Location(string node, CloudProvider cloud, string region) =>
        new() { Node = node, Cluster = $"{cloud.ToString().ToLowerInvariant()}-{region}", Cloud = cloud, Region = region };

    private static MigrationLimits Limits() => new()
    {
        Bandwidth = new ResourceQuantity("64Mi"),
        MaxDowntime = "300ms",
        CompletionTimeoutPerGiB = "150s",
        ProgressTimeout = "1m30s",
        AllowAutoConverge = false,
        AllowPostCopy = true,
    };

    public static SuperPod SuperPod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Generation = 3, Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("2"), Memory = new ResourceQuantity("1Gi") },
            Boot = new BootSource { Image = "registry.example.com/supercloud/test-guest:v1", Cmdline = "console=ttyS0" },
            Disks = [new SuperPodDisk { Name = "data", Size = new k8s.Models.ResourceQuantity("1Gi") }],
            CloudInit = new CloudInitSource { UserData = "#cloud-config\nhostname: web-1\n" },
            Networks = [new NetworkInterface { Name = "eth0", Ip = "10.200.0.5", Mac = "52:54:00:00:00:05", Overlay = "default" }],
            Placement = new Placement
            {
                Clouds = [CloudProvider.Aws, CloudProvider.OnPrem],
                ExcludedClouds = [CloudProvider.Gcp],
                Regions = ["us-east-1"],
                Clusters = ["aws-us-east-1"],
                NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
                Spot = SpotPolicy.Required,
                MaxPricePerHour = "0.042",
                Tolerations = [new V1Toleration { Key = "maintenance", OperatorProperty = "Exists", Effect = "NoSchedule" }],
                AntiAffinity = [new AntiAffinityTerm
                {
                    SuperPodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                    Topology = TopologyLevel.Cluster,
                }],
            },
            Stubs = [new StubAttachment { Name = "sensor", Optional = true }],
            ClientLocations =
            [
                new ClientLocation { Name = "nyc", Region = "us-east-1", Weight = 3 },
                new ClientLocation { Name = "tokyo", Latitude = "35.6762", Longitude = "139.6503", Weight = 1 },
            ],
            MigrationPolicy = new MigrationPolicyReference { Name = "spot" },
            RunStrategy = RunStrategy.RerunOnFailure,
        },
        Status = new SuperPodStatus
        {
            ObservedGeneration = 3,
            Conditions = [Ready(3)],
            Phase = SuperPodPhase.Migrating,
            Node = "ip-10-0-0-5",
            Cluster = "aws-us-east-1",
            Cloud = CloudProvider.Aws,
            Region = "us-east-1",
            Ip = "10.200.0.5",
            Interfaces = [new InterfaceStatus { Name = "eth0", Ip = "10.200.0.5", Mac = "52:54:00:ab:cd:ef" }],
            Migration = new CurrentMigration { Name = "web-2", Phase = MigrationPhase.Transferring },
            LastMigration = new MigrationRecord
            {
                Name = "web-1",
                Phase = MigrationPhase.Succeeded,
                Reason = MigrationReason.SpotPrice,
                From = Location("lab-1", CloudProvider.OnPrem, "lab"),
                To = Location("ip-10-0-0-5", CloudProvider.Aws, "us-east-1"),
                StartTime = T0,
                CompletionTime = T0.AddSeconds(4),
                TotalTime = "4.2s",
                Downtime = "120ms",
                BytesTransferred = 1_234_567_890,
                FailureReason = null,
            },
        },
    };

    public static SuperPodMigration SuperPodMigration() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-2", NamespaceProperty = "default", Generation = 1 },
        Spec = new SuperPodMigrationSpec
        {
            SuperPod = "web",
            Target = new MigrationTarget { Cloud = CloudProvider.Aws, Region = "eu-west-1" },
            Reason = MigrationReason.FollowTheSun,
            Limits = Limits(),
        },
        Status = new SuperPodMigrationStatus
        {
            ObservedGeneration = 1,
            Conditions = [Ready(1)],
            Phase = MigrationPhase.Failed,
            Source = Location("ip-10-0-0-5", CloudProvider.Aws, "us-east-1"),
            Target = Location("ip-10-1-0-7", CloudProvider.Aws, "eu-west-1"),
            Progress = new MigrationProgress { BytesSent = 1 << 30, BytesRemaining = 4096, DirtyRateBytesPerSecond = 1 << 20, Iterations = 7 },
            StartTime = T0,
            CompletionTime = T0.AddSeconds(90),
            Downtime = "0s",
            TotalTime = "1m30s",
            FailureReason = "ProgressTimeout",
            Message = "no progress for 1m30s",
        },
    };

    public static MigrationPolicy MigrationPolicy() => new()
    {
        Metadata = new V1ObjectMeta { Name = "spot", Generation = 2 },
        Spec = new MigrationPolicySpec
        {
            Selectors = new MigrationPolicySelectors
            {
                NamespaceSelector = new V1LabelSelector
                {
                    MatchExpressions = [new V1LabelSelectorRequirement { Key = "team", OperatorProperty = "In", Values = ["a", "b"] }],
                },
                SuperPodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "batch" } },
            },
            Triggers = new MigrationTriggers
            {
                SpotPrice = new SpotPriceTrigger { MinSavingPercent = 30, BillingPeriod = "1h", EvaluateAt = PriceEvaluation.PriceChange },
                SpotInterruption = new SpotInterruptionTrigger { Enabled = true, PreferOnDemand = true },

                // followTheSun is refused beside spotPrice: the two pull towards different places.
                StubAccess = new StubAccessTrigger { Enabled = false },
            },
            Limits = Limits(),
            Cooldown = "10m",
            DailyBudget = 5,
            Priority = 7,
        },
        Status = new MigrationPolicyStatus
        {
            ObservedGeneration = 2,
            Conditions = [Ready(2)],
            MatchedSuperPods = 4,
            MigrationsToday = 2,
            LastTriggerTime = T0,
        },
    };

    public static StubResource StubResource() => new()
    {
        Metadata = new V1ObjectMeta { Name = "sensor", NamespaceProperty = "default", Generation = 1 },
        Spec = new StubResourceSpec
        {
            Type = StubType.Device,
            Location = new StubLocation { Cloud = CloudProvider.OnPrem, Region = "lab", Cluster = "lab", Node = "lab-1" },
            Endpoint = new StubEndpoint { Host = "192.168.1.20", Port = 9000, Protocol = TransportProtocol.Udp },
            LocalAddress = new LocalAddress { Ip = "169.254.100.1", Port = 9001 },
            Access = StubAccess.MoveToResource,
        },
        Status = new StubResourceStatus { ObservedGeneration = 1, Conditions = [Ready(1)], Ready = true, Consumers = ["web"] },
    };

    public static SuperCluster SuperCluster() => new()
    {
        Metadata = new V1ObjectMeta { Name = "aws-us-east-1", Generation = 1 },
        Spec = new SuperClusterSpec
        {
            Provider = CloudProvider.Aws,
            Region = "us-east-1",
            Zone = "us-east-1a",
            Aws = new AwsProviderSettings
            {
                Endpoint = "http://127.0.0.1:4566",
                InstanceTypes = ["m5.large"],
                SubnetId = "subnet-0123456789abcdef0",
                ImageId = "ami-0123456789abcdef0",
                CredentialsSecretRef = new SecretReference { Name = "aws", Namespace = "supercloud-system" },
            },
            Scaling = new NodeScaling { MinNodes = 1, MaxNodes = 5, CapacityType = CapacityType.Spot },
            Pricing = new Pricing
            {
                Currency = "USD",
                OnDemand = new PriceRates { PerVcpuHour = "0.048", PerGiBHour = "0.006" },
                Spot = new PriceRates { PerVcpuHour = "0.0145", PerGiBHour = "0.0018" },
                BillingPeriod = "1h",
            },
            Latency = [new LatencyEntry { Location = "eu-west-1", LatencyMs = 75 }],
            Overlay = new OverlaySettings { VniRangeStart = 100, VniRangeEnd = 199, Mtu = 1450 },
        },
        Status = new SuperClusterStatus
        {
            ObservedGeneration = 1,
            Conditions = [Ready(1)],
            Nodes = 3,
            ReadyNodes = 2,
            Capacity = new NodeResources { Cpu = new ResourceQuantity("24"), Memory = new ResourceQuantity("96Gi"), SuperPods = 30 },
            Allocatable = new NodeResources { Cpu = new ResourceQuantity("22"), Memory = new ResourceQuantity("90Gi"), SuperPods = 30 },
        },
    };

    public static SuperNode SuperNode() => new()
    {
        Metadata = new V1ObjectMeta { Name = "lab-1", Generation = 4 },
        Spec = new SuperNodeSpec
        {
            Cluster = "lab",
            Hypervisor = Hypervisor.Qemu,
            Accelerator = Accelerator.Kvm,
            AgentEndpoint = "10.99.0.1:7443",
            UnderlayIp = "10.99.0.1",
            ProviderId = "i-0123456789abcdef0",
            Spot = true,
            Unschedulable = false,
            Taints = [new V1Taint { Key = "spot", Value = "true", Effect = "PreferNoSchedule", TimeAdded = T0 }],
        },
        Status = new SuperNodeStatus
        {
            ObservedGeneration = 4,
            Conditions = [Ready(4)],
            Phase = SuperNodePhase.Ready,
            Capacity = new NodeResources { Cpu = new ResourceQuantity("8"), Memory = new ResourceQuantity("32Gi"), SuperPods = 10 },
            Allocatable = new NodeResources { Cpu = new ResourceQuantity("7500m"), Memory = new ResourceQuantity("30Gi"), SuperPods = 10 },
            LastHeartbeatTime = T0,
            AgentVersion = "0.1.0",
            InterruptionNotice = new InterruptionNotice { Time = T0.AddMinutes(2), Reason = "terminate" },
        },
    };
}
