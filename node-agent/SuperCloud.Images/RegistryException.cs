namespace SuperCloud.Images;

/// <summary>A registry or image operation failed; <see cref="Kind"/> says why in terms a user acts on.</summary>
public sealed class RegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryException(RegistryErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>Creates an Unreachable exception (the parameterless form exists for serializers only).</summary>
    public RegistryException()
        : this(RegistryErrorKind.Unreachable, "registry operation failed")
    {
    }

    /// <summary>Creates an Unreachable exception with <paramref name="message"/>.</summary>
    public RegistryException(string message)
        : this(RegistryErrorKind.Unreachable, message)
    {
    }

    /// <summary>Creates an Unreachable exception with <paramref name="message"/> and its cause.</summary>
    public RegistryException(string message, Exception inner)
        : this(RegistryErrorKind.Unreachable, message, inner)
    {
    }

    /// <summary>Why the operation failed.</summary>
    public RegistryErrorKind Kind { get; }
}
