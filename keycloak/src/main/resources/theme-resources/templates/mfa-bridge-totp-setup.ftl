<#-- mfa-bridge TOTP set-up: the bridge made the QR (an SVG, shown through a data: URI in img so it cannot run script). -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section="header">
        ${msg("mfaBridgeSetupTitle")}
    <#elseif section="form">
        <ol id="mfa-bridge-setup-steps">
            <li>${msg("mfaBridgeSetupStepInstall")}</li>
            <li>${msg("mfaBridgeSetupStepScan")}
                <p><img id="mfa-bridge-qr" src="${mfaQrDataUri}" alt="${msg("mfaBridgeSetupQrAlt")}" width="200" height="200"></p>
                <p>${msg("mfaBridgeSetupManualKey")} <code id="mfa-bridge-secret">${mfaSecret}</code></p>
            </li>
            <li>${msg("mfaBridgeSetupStepCode")}</li>
        </ol>
        <form id="mfa-bridge-setup-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <input type="hidden" name="mfaAction" value="setup">
            <div class="${properties.kcFormGroupClass!}">
                <label for="mfa-bridge-code" class="${properties.kcLabelClass!}">${msg("mfaBridgeCodeLabel")}</label>
                <input id="mfa-bridge-code" name="code" type="text" class="${properties.kcInputClass!}"
                       inputmode="numeric" autocomplete="one-time-code" autofocus required>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <input id="mfa-bridge-submit" type="submit" value="${msg("doSubmit")}"
                       class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!} ${properties.kcButtonLargeClass!}">
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
