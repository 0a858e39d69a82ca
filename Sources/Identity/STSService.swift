public import AWSShapes
public import TrailwatchCore

/// AWS STS: who am I.
public struct STSService: Sendable {
    public init() {}

    /// `GetCallerIdentity`: the account, ARN and user id of the signing identity.
    public func getCallerIdentity(_ input: STS.GetCallerIdentityRequest, _ ctx: CallContext) async throws -> STS.GetCallerIdentityResponse {
        STS.GetCallerIdentityResponse(userId: ctx.identity.principalId, account: ctx.identity.accountId, arn: ctx.identity.arn)
    }
}
