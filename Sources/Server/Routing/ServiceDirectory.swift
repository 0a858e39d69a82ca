import AWSShapes
public import AWSWire
public import TrailwatchCore

/// The served services' models, and how requests name them on the wire.
public enum ServiceDirectory {
    /// Every served service's model.
    public static func model(_ service: AWSService) -> ServiceModel {
        switch service {
        case .cloudWatch: return CloudWatch.model
        case .logs: return CloudWatchLogs.model
        case .cloudTrail: return CloudTrail.model
        case .sts: return STS.model
        case .iam: return IAM.model
        case .sns: return SNS.model
        case .s3: return S3.model
        }
    }

    /// The JSON protocol and service an `X-Amz-Target` prefix names.
    ///
    /// AWS's endpoints accept the service's Smithy shape name alone (`CloudTrail_20131101`, what
    /// the new AWS SDK for Python sends) and the same name under its Smithy namespace
    /// (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`, what botocore sends for
    /// CloudTrail), for every service.
    static func service(targetPrefix: String) -> (AWSService, WireProtocol)? {
        var name = Substring(targetPrefix)
        if let dot = targetPrefix.lastIndex(of: ".") {
            guard targetPrefix.hasPrefix("com.amazonaws.") else { return nil }
            name = targetPrefix[targetPrefix.index(after: dot)...]
        }
        switch name {
        case "GraniteServiceVersion20100801": return (.cloudWatch, .awsJson1_0)
        case "Logs_20140328": return (.logs, .awsJson1_1)
        case "CloudTrail_20131101": return (.cloudTrail, .awsJson1_1)
        default: return nil
        }
    }

    /// The service an RPCv2 path names (`/service/GraniteServiceVersion20100801/...`).
    static func service(rpcServiceName: String) -> AWSService? {
        rpcServiceName == "GraniteServiceVersion20100801" ? .cloudWatch : nil
    }

    /// The Query service an API `Version` names (when the signature scope cannot tell).
    static func service(queryVersion: String) -> AWSService? {
        switch queryVersion {
        case "2010-08-01": return .cloudWatch
        case "2011-06-15": return .sts
        case "2010-05-08": return .iam
        case "2010-03-31": return .sns
        default: return nil
        }
    }

    /// The services answering the Query protocol.
    static func speaksQuery(_ service: AWSService) -> Bool {
        service == .cloudWatch || service == .sts || service == .iam || service == .sns
    }
}
