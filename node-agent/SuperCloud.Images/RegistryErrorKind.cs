namespace SuperCloud.Images;

/// <summary>Why a registry operation failed, in the terms a user acts on.</summary>
public enum RegistryErrorKind
{
    /// <summary>The registry answered but the repository, tag, manifest or blob does not exist.</summary>
    NotFound,

    /// <summary>Content did not hash to the digest it was asked for (or announced): corrupted or tampered with.</summary>
    DigestMismatch,

    /// <summary>The registry could not be reached (connection refused, name not resolved, TLS failed, timed out, 5xx).</summary>
    Unreachable,

    /// <summary>The registry refused the credentials (or their absence).</summary>
    Unauthorized,

    /// <summary>The content is not a usable image (bad manifest, wrong media types, unsafe disk).</summary>
    InvalidImage,
}
