import AWSShapes
public import CloudWatchMetrics
public import Identity
public import Storage
public import TrailwatchCore

/// The services a server answers with, wired to their stores.
public struct Services: Sendable {
    public let dashboards: DashboardService
    public let sts: STSService

    public init(resources: any ResourceStore, tags: any TagStore, clock: any WallClock) {
        dashboards = DashboardService(resources: resources, tags: tags, clock: clock)
        sts = STSService()
    }
}

extension RouteTable {
    /// The whole wire surface, in one place: every built operation and the function that
    /// answers it. Operations missing here answer `NotImplemented`.
    public static func standard(_ s: Services) -> RouteTable {
        var t = RouteTable()

        // CloudWatch: dashboards
        t.on(CloudWatch.API.putDashboard, s.dashboards.putDashboard)
        t.on(CloudWatch.API.getDashboard, s.dashboards.getDashboard)
        t.on(CloudWatch.API.listDashboards, s.dashboards.listDashboards)
        t.on(CloudWatch.API.deleteDashboards, s.dashboards.deleteDashboards)

        // STS
        t.on(STS.API.getCallerIdentity, s.sts.getCallerIdentity)

        return t
    }
}
