/// A typed handle on one operation: its service model, name, and input and output types.
///
/// Generated per operation (`CloudWatch.API.putDashboard`); the server's route table binds
/// each descriptor to the service function that answers it.
public struct OperationDescriptor<Input: WireStructure, Output: WireStructure>: Sendable {
    public let model: ServiceModel
    public let name: String

    public init(model: ServiceModel, name: String) {
        self.model = model
        self.name = name
    }

    /// The operation's entry in the model.
    public var operation: OperationModel { model.operations[name]! }
}
