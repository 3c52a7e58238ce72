{#
    The Web Session record types the models read: the one place that knows LivePerson's
    type names, field names and value kinds (from the vendor's reference; `guessed`
    marks what it does not publish). base_liveperson__records reads every landed record
    by it (macros/parse/parse.sql), and each staging model types its part by it.
    Correct this file from LivePerson's Avro schema (GET .../le/schema?schemaId=latest)
    when you have it.

    records: each record type's fields, with a kind:
      text                   a scalar of any Avro branch (string, long, ...), as text
      enum                   an Avro enum (its branch is the enum's type name), as text
      amount                 money, decimal(18, 4), 0 or more and below 10^14
      decimal                a signed decimal(18, 4) (a balance)
      time                   epoch milliseconds, or ISO-8601 text: a UTC timestamp
      integer / bigint       a whole number (32 / 64 bits)
      boolean                true or false
      <RecordType>           a nested record
      [<kind>]               an array; its items are bare (not union-wrapped)
    Every field is read as a nullable union in Avro's JSON encoding, `{"<branch>": v}`
    or null, with any branch name: `{"long": 50}` and `{"string": "50"}` are both 50, a
    record may come under its full or short type name in any case. The fields of
    `bare_fields` are not unions.

    unions: the record-typed unions whose member decides what the value is. Each member:
    the entity the models call it, its type names (matched by short name, case
    insensitively), its record type in `records` (`record`, when it is not the first
    name) and whether the name is published. Such a value is kept as its member's JSON
    by the base model, and typed by the member's staging model.

    body_payloads: for each record-body entity, the field that holds its payload (a body
    is read for the payload it carries, whatever its type name), and for GEO and session
    info, whose names are not published, the record whose fields a body may carry
    inline instead (two of them at least).
#}
{% macro lp_web_session_schema() -%}
{%- set schema_yaml -%}
records:
  WebSessionRecord:
    dataType: enum
    metaData: MetaData
    recordCollection: [RecordCollectionItem]
  MetaData:
    accountId: text
    schemaVersion: text
    startTime: time
    endTime: time
  RecordCollectionItem:
    body: Body
  VisitorHeader:
    visitId: text
    visitorId: text
    contextId: text
  WebSessionNavigationData:
    header: VisitorHeader
    navigationData: [NavigationItem]
  NavigationItem:
    timestamp: time
    url: text
    referrerUrl: text
    sections: [text]
  WebSessionEngAttrsData:
    header: VisitorHeader
    engagementAttributes: [EngagementAttribute]
  EngagementAttribute:
    timestamp: time
    data: EngagementAttributeData
  WebSessionGoalAchievedData:
    header: VisitorHeader
    achievedGoals: [AchievedGoal]
  AchievedGoal:
    id: text
    timestamp: time
    campaignGoalRevision: bigint
    campaignGoalId: bigint
    campaignGoalType: integer
    goalMetaData: GoalMetadata
  WebSessionEligibilityData:
    header: VisitorHeader
    eligibilityData: [Eligibility]
  Eligibility:
    timestamp: time
    eligibleCampaigns: [EligibleCampaign]
  EligibleCampaign:
    campaign: Campaign
    engagements: [Engagement]
    goal: Goal
    controlGroupType: enum
  WebSessionImpressionData:
    header: VisitorHeader
    impressions: [Impression]
  Impression:
    timestamp: time
    engagementInstanceId: text
    impressionType: text
    state: text
    engagement: Engagement
    campaign: Campaign
    goal: Goal
    # Not in the reference's table of impression fields; sent by some accounts.
    controlGroupType: enum
  WebSessionGeoData:
    header: VisitorHeader
    geo: GeoData
  GeoData:
    iPV4: text
    iPV6: text
    country: text
    city: text
    state: text
    org: text
    isp: text
    countryCode: text
  WebSessionSessionInfoData:
    header: VisitorHeader
    sessionInfo: SessionInfo
  SessionInfo:
    sessionStartTime: time
    userAgent: text
    deviceOS: enum
    deviceFamily: enum
    siteControlGroup: enum
    searchEngine: text
    searchEngineKey: text
  Campaign:
    id: bigint
    visitorProfiles: [IdAndRevision]
  IdAndRevision:
    id: bigint
    revision: bigint
  Engagement:
    id: bigint
    channel: text
    type: text
    visitorBehaviors: [IdAndRevision]
    skillId: integer
    skillName: text
    surveySkills: [Skill]
    isOffsiteEngagement: boolean
    availabilityPolicy: text
    interactionType: integer
    renderingType: integer
  Skill:
    id: bigint
    name: text
  Goal:
    id: bigint
    type: integer
    indicatorType: integer
  Purchase:
    total: amount
    orderId: text
    cart: Cart
  Cart:
    total: amount
    numItems: integer
    products: [ProductLine]
  ProductLine:
    quantity: integer
    product: Product
    name: text
    category: text
    sku: text
    price: amount
  Product:
    name: text
    category: text
    sku: text
    price: amount
  ViewedProduct:
    products: [ProductLine]
  CustomerInfo:
    isAuthenticated: boolean
    authenticatedConversationId: text
    customerStatus: text
    customerType: text
    balance: decimal
    customerId: text
    socialId: text
    imei: text
    userName: text
    companySize: integer
    accountName: text
    role: text
    lastPaymentDate: YMDDate
    registrationDate: YMDDate
    storeNumber: text
    storeZipCode: text
  YMDDate:
    year: integer
    month: integer
    day: integer
  PersonalInfo:
    isAuthenticated: boolean
    authenticatedConversationId: text
    name: text
    surname: text
    gender: text
    company: text
    customerAge: CustomerAge
    contacts: [Contact]
  CustomerAge:
    customerAgeInYears: integer
    customerYearOfBirth: integer
    customerMonthOfBirth: integer
    # The reference's table spells it CustomerDateOfBirth (its other names are camel
    # case). Read, never passed on: a day of birth is too small to hide.
    customerDateOfBirth: integer
  Contact:
    email: text
    phone: text
  Lead:
    topic: text
    leadId: text
    value: amount
  ServiceActivity:
    topic: text
    status: integer
    category: text
    serviceId: text
  VisitorError:
    contextId: text
    message: text
    code: bigint
    level: bigint
    resolved: boolean
  MarketingCampaignInfo:
    OriginatingChannel: integer
    affiliate: text
    campaignId: text
  UrlGoalMetadata:
    url: text
  PurchaseMetadata:
    total: amount
    orderId: text
    cartStatus: Cart
  ReduceAbandonmentGoalMetadata:
    numberOfPages: integer
  IncreaseInteractionGoalMetadata:
    engagement: Engagement
    campaign: Campaign
  LeadMetadata:
    topic: text
    leadId: text
    value: amount
  ServiceActivityMetadata:
    topic: text
    status: integer
    category: text
    serviceId: text

bare_fields:
  - MetaData.schemaVersion

unions:
  Body:
    navigation: {names: [WebSessionNavigationData], status: published}
    engagement_attributes: {names: [WebSessionEngAttrsData], status: published}
    goals_achieved: {names: [WebSessionGoalAchievedData], status: published}
    campaign_eligibility: {names: [WebSessionEligibilityData], status: published}
    impressions: {names: [WebSessionImpressionData], status: published}
    geo: {names: [WebSessionGeoData], status: guessed}
    session_info: {names: [WebSessionSessionInfoData], status: guessed}
  EngagementAttributeData:
    purchase: {names: [Purchase], status: guessed}
    cart_update: {names: [CartStatus], record: Cart, status: guessed}
    viewed_product: {names: [ViewedProduct], status: guessed}
    customer_info: {names: [CustomerInfo], status: published}
    personal_info: {names: [PersonalInfo], status: published}
    lead: {names: [Lead], status: guessed}
    service_activity: {names: [ServiceActivity], status: guessed}
    visitor_error: {names: [VisitorError], status: guessed}
    marketing_source: {names: [MarketingCampaignInfo], status: guessed}
  GoalMetadata:
    url: {names: [UrlGoalMetadata], status: documented}
    purchase: {names: [PurchaseMetadata], status: documented}
    reduce_abandonment: {names: [ReduceAbandonmentGoalMetadata], status: published}
    increase_interaction: {names: [IncreaseInteractionGoalMetadata], status: documented}
    lead: {names: [LeadMetadata], status: documented}
    service_activity: {names: [ServiceActivityMetadata], status: documented}

body_payloads:
  navigation: {field: navigationData}
  engagement_attributes: {field: engagementAttributes}
  goals_achieved: {field: achievedGoals}
  campaign_eligibility: {field: eligibilityData}
  impressions: {field: impressions}
  geo: {field: geo, inline: GeoData}
  session_info: {field: sessionInfo, inline: SessionInfo}
{%- endset -%}
{{ return(fromyaml(schema_yaml)) }}
{%- endmacro %}
