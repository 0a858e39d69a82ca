import AWSShapes
import AWSWire
public import CloudTrail
public import CloudWatchAlarms
public import CloudWatchLogs
public import CloudWatchMetrics
public import Identity
public import S3Subset
public import SNSSubset
public import Storage
public import Runtime
public import TrailwatchCore

/// The services a server answers with, wired to their stores.
public struct Services: Sendable {
    public let dashboards: DashboardService
    public let alarms: AlarmService
    public let alarmEvaluation: AlarmEvaluation
    public let metrics: MetricsService
    public let metricData: MetricDataService
    public let anomalyDetectors: AnomalyDetectorService
    public let contributorInsights: ContributorInsightsService
    public let cloudWatchTags: CloudWatchTagging
    public let logs: LogsService
    public let s3: S3Service
    public let history: EventHistoryService
    public let trails: TrailsService
    public let sns: SNSService
    public let sts: STSService

    public let delivery: TrailDelivery
    let recorder: TrailRecorder?

    /// Every service on `backend`'s stores. `endpoint` is the server's own URL (SNS links back
    /// to it); `poster` sends SNS's HTTP deliveries.
    public init(backend: any StorageBackend, recorder: TrailRecorder?, clock: any WallClock, digestInterval: Double = 3600,
                endpoint: @escaping @Sendable () -> String = { "http://127.0.0.1:4566" }, poster: HTTPPost? = nil) {
        let resources = backend.resources, tags = backend.tags, metrics = backend.metrics, objects = backend.objects
        dashboards = DashboardService(resources: resources, tags: tags, clock: clock)
        self.metrics = MetricsService(store: metrics, clock: clock)
        let contributorInsights = ContributorInsightsService(logs: backend.logs, resources: resources, tags: tags, clock: clock)
        self.contributorInsights = contributorInsights
        metricData = MetricDataService(store: metrics, clock: clock, resources: resources,
                                       insightRuleMetric: { ctx, rule, metric, start, end, period in
                                           let points = try await contributorInsights.metric(ctx, rule: rule, metric: metric,
                                                                                             start: start, end: end, period: period)
                                           return TimeSeries(label: metric, timestamps: points.map(\.timestamp), values: points.map(\.value), period: period)
                                       })
        anomalyDetectors = AnomalyDetectorService(resources: resources, metricData: metricData, clock: clock)
        cloudWatchTags = CloudWatchTagging(resources: resources, tags: tags)
        self.logs = LogsService(store: backend.logs, resources: resources, tags: tags, objects: objects, clock: clock)
        s3 = S3Service(store: objects, clock: clock)
        history = EventHistoryService(events: backend.trailEvents, recorder: recorder, clock: clock)
        let sns = SNSService(resources: resources, tags: tags, outbox: backend.outbox, clock: clock, endpoint: endpoint, poster: poster)
        self.sns = sns
        let alarms = AlarmService(resources: resources, tags: tags, clock: clock, notifier: AlarmNotifier(
            prepare: { topic, subject, message in try await sns.outboxItems(topicArn: topic, subject: subject, message: message) },
            queued: { sns.deliveriesQueued() }))
        self.alarms = alarms
        alarmEvaluation = AlarmEvaluation(alarms: alarms, metricData: metricData)
        trails = TrailsService(resources: resources, tags: tags, objects: objects, logSink: self.logs, recorder: recorder, clock: clock,
                               notify: { topic, message in _ = try await sns.publish(topicArn: topic, subject: nil, message: message) },
                               topicExists: { arn in try await sns.topicExists(arn) })
        delivery = TrailDelivery(trails: trails, events: backend.trailEvents, clock: clock, digestInterval: digestInterval)
        sts = STSService()
        self.recorder = recorder
    }

    /// The services' background jobs: alarm evaluation, CloudWatch Logs retention and exports, SNS deliveries,
    /// CloudTrail's recorder, trail delivery every `deliveryInterval` seconds, and event
    /// history expiry. The recorder comes first, so at shutdown its last flush precedes the
    /// last delivery.
    public func jobs(deliveryInterval: Double) -> [Job] {
        (recorder.map { [$0.job] } ?? []) + [alarmEvaluation.job] + logs.jobs + sns.jobs + [trails.job, delivery.job(every: deliveryInterval), history.job]
    }
}

extension RouteTable {
    /// The whole wire surface, in one place: every built operation and the function that
    /// answers it. Operations missing here answer `NotImplemented`.
    public static func standard(_ s: Services) -> RouteTable {
        var t = RouteTable()
        t.path("/_trailwatch/", .operatorEndpoints)
        t.path("/moto-api/", .operatorEndpoints)
        t.path("/_console/", .console)

        // CloudWatch: alarms
        t.on(CloudWatch.API.putMetricAlarm, s.alarms.putMetricAlarm)
        t.on(CloudWatch.API.putCompositeAlarm, s.alarms.putCompositeAlarm)
        t.on(CloudWatch.API.describeAlarms, s.alarms.describeAlarms)
        t.on(CloudWatch.API.describeAlarmsForMetric, s.alarms.describeAlarmsForMetric)
        t.on(CloudWatch.API.deleteAlarms, s.alarms.deleteAlarms)
        t.on(CloudWatch.API.setAlarmState, s.alarms.setAlarmState)
        t.on(CloudWatch.API.enableAlarmActions, s.alarms.enableAlarmActions)
        t.on(CloudWatch.API.disableAlarmActions, s.alarms.disableAlarmActions)
        t.on(CloudWatch.API.describeAlarmHistory, s.alarms.describeAlarmHistory)
        t.on(CloudWatch.API.putAlarmMuteRule, s.alarms.putAlarmMuteRule)
        t.on(CloudWatch.API.getAlarmMuteRule, s.alarms.getAlarmMuteRule)
        t.on(CloudWatch.API.listAlarmMuteRules, s.alarms.listAlarmMuteRules)
        t.on(CloudWatch.API.deleteAlarmMuteRule, s.alarms.deleteAlarmMuteRule)
        t.on(CloudWatch.API.describeAlarmContributors, s.alarms.describeAlarmContributors)

        // CloudWatch: anomaly detectors
        t.on(CloudWatch.API.putAnomalyDetector, s.anomalyDetectors.putAnomalyDetector)
        t.on(CloudWatch.API.describeAnomalyDetectors, s.anomalyDetectors.describeAnomalyDetectors)
        t.on(CloudWatch.API.deleteAnomalyDetector, s.anomalyDetectors.deleteAnomalyDetector)

        // CloudWatch: Contributor Insights
        t.on(CloudWatch.API.putInsightRule, s.contributorInsights.putInsightRule)
        t.on(CloudWatch.API.describeInsightRules, s.contributorInsights.describeInsightRules)
        t.on(CloudWatch.API.enableInsightRules, s.contributorInsights.enableInsightRules)
        t.on(CloudWatch.API.disableInsightRules, s.contributorInsights.disableInsightRules)
        t.on(CloudWatch.API.deleteInsightRules, s.contributorInsights.deleteInsightRules)
        t.on(CloudWatch.API.getInsightRuleReport, s.contributorInsights.getInsightRuleReport)
        t.on(CloudWatch.API.putManagedInsightRules, s.contributorInsights.putManagedInsightRules)
        t.on(CloudWatch.API.listManagedInsightRules, s.contributorInsights.listManagedInsightRules)

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

        // CloudWatch Logs: groups, streams, retention
        t.on(CloudWatchLogs.API.createLogGroup, s.logs.createLogGroup)
        t.on(CloudWatchLogs.API.deleteLogGroup, s.logs.deleteLogGroup)
        t.on(CloudWatchLogs.API.describeLogGroups, s.logs.describeLogGroups)
        t.on(CloudWatchLogs.API.createLogStream, s.logs.createLogStream)
        t.on(CloudWatchLogs.API.deleteLogStream, s.logs.deleteLogStream)
        t.on(CloudWatchLogs.API.describeLogStreams, s.logs.describeLogStreams)
        t.on(CloudWatchLogs.API.putRetentionPolicy, s.logs.putRetentionPolicy)
        t.on(CloudWatchLogs.API.deleteRetentionPolicy, s.logs.deleteRetentionPolicy)
        t.on(CloudWatchLogs.API.associateKmsKey, s.logs.associateKmsKey)
        t.on(CloudWatchLogs.API.disassociateKmsKey, s.logs.disassociateKmsKey)

        // CloudWatch Logs: events
        t.on(CloudWatchLogs.API.putLogEvents, s.logs.putLogEvents)
        t.fast(CloudWatchLogs.API.putLogEvents, .awsJson1_1, s.logs.putLogEventsFast)
        t.on(CloudWatchLogs.API.getLogEvents, s.logs.getLogEvents)
        t.on(CloudWatchLogs.API.filterLogEvents, s.logs.filterLogEvents)
        t.on(CloudWatchLogs.API.startQuery, s.logs.startQuery)
        t.on(CloudWatchLogs.API.getQueryResults, s.logs.getQueryResults)
        t.on(CloudWatchLogs.API.stopQuery, s.logs.stopQuery)
        t.on(CloudWatchLogs.API.describeQueries, s.logs.describeQueries)
        t.on(CloudWatchLogs.API.getLogRecord, s.logs.getLogRecord)
        t.on(CloudWatchLogs.API.getLogGroupFields, s.logs.getLogGroupFields)
        t.on(CloudWatchLogs.API.putQueryDefinition, s.logs.putQueryDefinition)
        t.on(CloudWatchLogs.API.describeQueryDefinitions, s.logs.describeQueryDefinitions)
        t.on(CloudWatchLogs.API.deleteQueryDefinition, s.logs.deleteQueryDefinition)

        // CloudWatch Logs: lookup tables (the `lookup` command) and field indexes (`filterIndex`)
        t.on(CloudWatchLogs.API.createLookupTable, s.logs.createLookupTable)
        t.on(CloudWatchLogs.API.getLookupTable, s.logs.getLookupTable)
        t.on(CloudWatchLogs.API.describeLookupTables, s.logs.describeLookupTables)
        t.on(CloudWatchLogs.API.updateLookupTable, s.logs.updateLookupTable)
        t.on(CloudWatchLogs.API.deleteLookupTable, s.logs.deleteLookupTable)
        t.on(CloudWatchLogs.API.putIndexPolicy, s.logs.putIndexPolicy)
        t.on(CloudWatchLogs.API.describeIndexPolicies, s.logs.describeIndexPolicies)
        t.on(CloudWatchLogs.API.deleteIndexPolicy, s.logs.deleteIndexPolicy)
        t.on(CloudWatchLogs.API.describeFieldIndexes, s.logs.describeFieldIndexes)

        // CloudWatch Logs: metric filters
        t.on(CloudWatchLogs.API.putMetricFilter, s.logs.putMetricFilter)
        t.on(CloudWatchLogs.API.describeMetricFilters, s.logs.describeMetricFilters)
        t.on(CloudWatchLogs.API.deleteMetricFilter, s.logs.deleteMetricFilter)
        t.check(CloudWatchLogs.API.deleteMetricFilter, LogsService.checkGroupNameLength)
        t.on(CloudWatchLogs.API.testMetricFilter, s.logs.testMetricFilter)

        // CloudWatch Logs: Live Tail (an event stream)
        t.onStream(CloudWatchLogs.API.startLiveTail, s.logs.startLiveTail)

        // CloudWatch Logs: exports to the S3 subset
        t.on(CloudWatchLogs.API.createExportTask, s.logs.createExportTask)
        t.on(CloudWatchLogs.API.describeExportTasks, s.logs.describeExportTasks)
        t.on(CloudWatchLogs.API.cancelExportTask, s.logs.cancelExportTask)

        // CloudWatch Logs: tags
        t.on(CloudWatchLogs.API.tagResource, s.logs.tagResource)
        t.on(CloudWatchLogs.API.untagResource, s.logs.untagResource)
        t.on(CloudWatchLogs.API.listTagsForResource, s.logs.listTagsForResource)
        t.on(CloudWatchLogs.API.tagLogGroup, s.logs.tagLogGroup)
        t.on(CloudWatchLogs.API.untagLogGroup, s.logs.untagLogGroup)
        t.on(CloudWatchLogs.API.listTagsLogGroup, s.logs.listTagsLogGroup)

        // S3 subset (REST: routed by method and path)
        let s3 = s.s3
        t.rest(.s3) { method, path, query, headers, body, ctx in
            try await s3.handle(S3Service.Request(method: method, rawPath: path, rawQuery: query, headers: headers, body: body), ctx)
        }

        // CloudTrail: event history
        t.on(CloudTrail.API.lookupEvents, s.history.lookupEvents)

        // CloudTrail: trails
        t.on(CloudTrail.API.createTrail, s.trails.createTrail)
        t.on(CloudTrail.API.updateTrail, s.trails.updateTrail)
        t.on(CloudTrail.API.deleteTrail, s.trails.deleteTrail)
        t.on(CloudTrail.API.getTrail, s.trails.getTrail)
        t.on(CloudTrail.API.describeTrails, s.trails.describeTrails)
        t.on(CloudTrail.API.listTrails, s.trails.listTrails)
        t.on(CloudTrail.API.startLogging, s.trails.startLogging)
        t.on(CloudTrail.API.stopLogging, s.trails.stopLogging)
        t.on(CloudTrail.API.getTrailStatus, s.trails.getTrailStatus)
        t.on(CloudTrail.API.putEventSelectors, s.trails.putEventSelectors)
        t.on(CloudTrail.API.getEventSelectors, s.trails.getEventSelectors)
        t.on(CloudTrail.API.putInsightSelectors, s.trails.putInsightSelectors)
        t.on(CloudTrail.API.getInsightSelectors, s.trails.getInsightSelectors)
        t.on(CloudTrail.API.addTags, s.trails.addTags)
        t.on(CloudTrail.API.removeTags, s.trails.removeTags)
        t.on(CloudTrail.API.listTags, s.trails.listTags)
        t.on(CloudTrail.API.listPublicKeys, s.trails.listPublicKeys)

        // SNS subset
        t.on(SNS.API.createTopic, s.sns.createTopic)
        t.on(SNS.API.deleteTopic, s.sns.deleteTopic)
        t.on(SNS.API.listTopics, s.sns.listTopics)
        t.on(SNS.API.getTopicAttributes, s.sns.getTopicAttributes)
        t.on(SNS.API.subscribe, s.sns.subscribe)
        t.on(SNS.API.confirmSubscription, s.sns.confirmSubscription)
        t.on(SNS.API.listSubscriptions, s.sns.listSubscriptions)
        t.on(SNS.API.listSubscriptionsByTopic, s.sns.listSubscriptionsByTopic)
        t.on(SNS.API.unsubscribe, s.sns.unsubscribe)
        t.on(SNS.API.publish, s.sns.publish)

        // STS
        t.on(STS.API.getCallerIdentity, s.sts.getCallerIdentity)

        return t
    }
}
