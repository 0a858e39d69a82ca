import AWSShapes
import AWSWire
public import CloudWatchMetrics
public import Identity
public import Storage
public import TrailwatchCore

/// The services a server answers with, wired to their stores.
public struct Services: Sendable {
    public let dashboards: DashboardService
    public let metrics: MetricsService
    public let metricData: MetricDataService
    public let cloudWatchTags: CloudWatchTagging
    public let sts: STSService

    public init(resources: any ResourceStore, tags: any TagStore, metrics: any MetricStore, clock: any WallClock) {
        dashboards = DashboardService(resources: resources, tags: tags, clock: clock)
        self.metrics = MetricsService(store: metrics, clock: clock)
        metricData = MetricDataService(store: metrics, clock: clock)
        cloudWatchTags = CloudWatchTagging(resources: resources, tags: tags)
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

        // CloudWatch: metrics
        t.on(CloudWatch.API.putMetricData, s.metrics.putMetricData)
        t.fast(CloudWatch.API.putMetricData, .awsJson1_0, s.metrics.putMetricDataFast)
        t.on(CloudWatch.API.getMetricStatistics, s.metrics.getMetricStatistics)
        t.on(CloudWatch.API.listMetrics, s.metrics.listMetrics)
        t.on(CloudWatch.API.getMetricData, s.metricData.getMetricData)

        // CloudWatch: tags
        t.on(CloudWatch.API.tagResource, s.cloudWatchTags.tagResource)
        t.on(CloudWatch.API.untagResource, s.cloudWatchTags.untagResource)
        t.on(CloudWatch.API.listTagsForResource, s.cloudWatchTags.listTagsForResource)

        // STS
        t.on(STS.API.getCallerIdentity, s.sts.getCallerIdentity)

        return t
    }
}
