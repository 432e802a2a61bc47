<#-- mfa-bridge second factor (browser step). Only plain template.ftl is used, so any login theme that extends base renders it. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section="header">
        ${msg("mfaBridgeTitle")}
    <#elseif section="form">
        <#if mfaLocked>
            <p id="mfa-bridge-locked">${msg("mfaBridgeLockedHelp")}</p>
            <p><a id="mfa-bridge-restart" href="${url.loginRestartFlowUrl}">${msg("mfaBridgeStartAgain")}</a></p>
        <#else>
            <form id="mfa-bridge-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
                <input type="hidden" name="mfaAction" value="verify">
                <p id="mfa-bridge-factor">${msg("mfaBridgeUse", mfaFactor.name)}</p>
                <#if mfaFactor.takesCode>
                    <div class="${properties.kcFormGroupClass!}">
                        <label for="mfa-bridge-code" class="${properties.kcLabelClass!}">${msg("mfaBridgeCodeLabel")}</label>
                        <input id="mfa-bridge-code" name="code" type="text" class="${properties.kcInputClass!}"
                               inputmode="numeric" autocomplete="one-time-code" autofocus required>
                    </div>
                    <#if mfaFactor.triesLeft??>
                        <p id="mfa-bridge-tries-left">${msg("mfaBridgeTriesLeft", mfaFactor.triesLeft?c)}</p>
                    </#if>
                    <div class="${properties.kcFormGroupClass!}">
                        <input id="mfa-bridge-submit" type="submit" value="${msg("doSubmit")}"
                               class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}">
                    </div>
                <#else>
                    <p id="mfa-bridge-not-here">${msg("mfaBridgeNotOnThisPage")}</p>
                </#if>
            </form>
            <#if mfaFactor.sendsChallenge>
                <form id="mfa-bridge-send" action="${url.loginAction}" method="post">
                    <input type="hidden" name="mfaAction" value="send">
                    <button type="submit" class="${properties.kcButtonClass!} ${properties.kcButtonDefaultClass!}">${msg("mfaBridgeSendCode")}</button>
                </form>
            </#if>
        </#if>
        <#-- In the form section: the info section shows only with displayInfo, which depends on the theme. -->
        <#if !mfaLocked && mfaOtherFactors?has_content>
            <div id="mfa-bridge-other-factors">
                <p>${msg("mfaBridgeTryAnotherWay")}</p>
                <#list mfaOtherFactors as other>
                    <form action="${url.loginAction}" method="post" style="display:inline">
                        <input type="hidden" name="mfaAction" value="switch">
                        <input type="hidden" name="factor" value="${other.id}">
                        <button type="submit" class="${properties.kcButtonClass!} ${properties.kcButtonDefaultClass!}"
                                <#if other.locked>disabled</#if>>${other.name}<#if other.locked> (${msg("mfaBridgeFactorLocked")})</#if></button>
                    </form>
                </#list>
            </div>
        </#if>
    </#if>
</@layout.registrationLayout>
