namespace SuperCloud.Crds; internal static class Placeholder { }
