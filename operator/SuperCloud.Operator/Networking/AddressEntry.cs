namespace SuperCloud.Operator.Networking;

/// <summary>One allocated overlay address in a network's address book: who holds it and with which MAC.</summary>
/// <param name="Uid">The SuperPod's metadata.uid (the key a repeated reconcile finds its entry by).</param>
/// <param name="SuperPod">namespace/name, for messages.</param>
/// <param name="Interface">The interface in the SuperPod's spec.networks.</param>
/// <param name="Mac">The interface's MAC.</param>
public sealed record AddressEntry(string Uid, string SuperPod, string Interface, string Mac);
